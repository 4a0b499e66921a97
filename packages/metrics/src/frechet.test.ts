import { describe, expect, it } from 'vitest';
import { frechetDistance } from './frechet.js';
import type { GaussianStats } from './gaussian_stats.js';

/** Statistics from a mean and a covariance given as rows. */
function stats(mean: number[], rows: number[][]): GaussianStats {
  return { mean: Float64Array.from(mean), covariance: Float64Array.from(rows.flat()), n: 100, d: mean.length };
}

/** R(θ) diag(values) R(θ)ᵀ in 2-D. */
function rotated(theta: number, values: [number, number]): number[][] {
  const [c, s] = [Math.cos(theta), Math.sin(theta)];
  const [a, b] = values;
  return [
    [c * c * a + s * s * b, c * s * (a - b)],
    [c * s * (a - b), s * s * a + c * c * b],
  ];
}

type M = number[][];
const matMul = (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const add = (a: M, b: M, scale = 1): M => a.map((row, i) => row.map((v, j) => (v + b[i]![j]!) * scale));
const identity = (d: number): M => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
/** Inverse by Gauss–Jordan with partial pivoting. */
function inverse(a: M): M {
  const d = a.length;
  const m = a.map((row, i) => [...row, ...identity(d)[i]!]);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]!;
    for (let j = 0; j < 2 * d; j++) m[c]![j]! /= pivot;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let j = 0; j < 2 * d; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(d));
}
/**
 * tr (Σa Σb)^{1/2} by the Denman–Beavers iteration on the non-symmetric product Σa Σb (similar to
 * Σa^{1/2} Σb Σa^{1/2}, so the same principal square root's trace): an independent route.
 */
function traceSqrtProduct(a: M, b: M): number {
  let y = matMul(a, b);
  let z = identity(a.length);
  for (let k = 0; k < 60; k++) [y, z] = [add(y, inverse(z), 0.5), add(z, inverse(y), 0.5)];
  return y.reduce((s, row, i) => s + row[i]!, 0);
}
const trace = (a: M): number => a.reduce((s, row, i) => s + row[i]!, 0);

describe('frechetDistance', () => {
  it('is 0 for identical statistics (3×3 general covariance)', () => {
    const cov = [
      [2, 0.5, -0.3],
      [0.5, 1, 0.2],
      [-0.3, 0.2, 0.7],
    ];
    expect(frechetDistance(stats([1, -2, 3], cov), stats([1, -2, 3], cov))).toBeLessThan(1e-12);
  });

  it('is ‖Δμ‖² when only the mean moves', () => {
    const cov = rotated(0.4, [3, 0.2]);
    expect(frechetDistance(stats([0, 0], cov), stats([3, -4], cov))).toBeCloseTo(25, 10);
  });

  it('is ‖Δμ‖² + Σ(√a_i − √b_i)² for diagonal covariances', () => {
    const a = [4, 1, 9];
    const b = [1, 1, 0.25];
    const expected = 1 + a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i]!)) ** 2, 0);
    const diag = (v: number[]): M => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
    expect(frechetDistance(stats([0, 1, 0], diag(a)), stats([0, 0, 0], diag(b)))).toBeCloseTo(expected, 10);
  });

  it('matches the 2×2 closed form tr(Σa^{1/2}ΣbΣa^{1/2})^{1/2} = √(tr ΣaΣb + 2√(det Σa det Σb)) for non-commuting covariances', () => {
    const a = rotated(0.3, [2, 0.5]);
    const b = rotated(1.1, [0.3, 4]);
    const det = (m: M): number => m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    const cross = Math.sqrt(trace(matMul(a, b)) + 2 * Math.sqrt(det(a) * det(b)));
    const expected = 0.5 ** 2 + 1 + trace(a) + trace(b) - 2 * cross;
    expect(frechetDistance(stats([0.5, 1], a), stats([0, 0], b))).toBeCloseTo(expected, 10);
  });

  it('matches an independent Denman–Beavers square root of Σa Σb for general 3×3 covariances, and is symmetric in a, b', () => {
    const a = [
      [2, 0.5, -0.3],
      [0.5, 1, 0.2],
      [-0.3, 0.2, 0.7],
    ];
    const b = [
      [0.6, -0.2, 0.1],
      [-0.2, 1.5, 0.4],
      [0.1, 0.4, 0.9],
    ];
    const expected = 0.25 + 4 + trace(a) + trace(b) - 2 * traceSqrtProduct(a, b);
    const ab = frechetDistance(stats([0.5, 0, 2], a), stats([0, 0, 0], b));
    expect(ab).toBeCloseTo(expected, 9);
    expect(frechetDistance(stats([0, 0, 0], b), stats([0.5, 0, 2], a))).toBeCloseTo(ab, 10);
  });

  it('is (1 − √c)² tr Σ for Σb = cΣa, and handles a singular covariance (a dead feature) without NaN', () => {
    const a = [
      [1, 0.3, 0],
      [0.3, 2, 0],
      [0, 0, 0],
    ];
    const b = a.map((row) => row.map((v) => 4 * v));
    expect(frechetDistance(stats([0, 0, 0], a), stats([0, 0, 0], b))).toBeCloseTo((1 - 2) ** 2 * 3, 10);
  });

  it('names a or b when a size is wrong, a value is not finite or the dimensions differ', () => {
    const good = stats([0, 0], [
      [1, 0],
      [0, 1],
    ]);
    expect(() => frechetDistance({ ...good, mean: new Float64Array(3) }, good)).toThrow(/a.mean has 3 values, expected d = 2/);
    expect(() => frechetDistance(good, { ...good, covariance: new Float64Array(3) })).toThrow(/b.covariance has 3 values/);
    expect(() => frechetDistance(good, { ...good, covariance: Float64Array.from([1, 0, 0, NaN]) })).toThrow(/b.covariance holds a non-finite value/);
    expect(() => frechetDistance(good, stats([0], [[1]]))).toThrow(/a and b must have the same dimension, got a.d = 2, b.d = 1/);
  });
});
