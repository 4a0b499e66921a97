import { describe, expect, it } from 'vitest';
import { replayableNormals } from '@diffflow/sde-core';
import { chancePurity, energyDistance, medianPairwiseDistance, mmdRbf, neighbourPurity, twoSample } from './point_statistics.js';

/** n points of N(mean, s² I₂), [n, 2] row-major, from a seeded key. */
function gaussian(n: number, mean: readonly [number, number], s: number, seed: number): Float64Array {
  const z = replayableNormals(2 * n, { seed, purpose: 'metrics-test', iteration: 0, step: 0 });
  return Float64Array.from(z, (v, i) => mean[i % 2]! + s * v);
}

/** Modified Bessel function I_ν(z), integer ν, by its power series (|z| ≤ 10 here). */
function besselI(nu: number, z: number): number {
  let term = (z / 2) ** nu;
  for (let j = 1; j <= nu; j++) term /= j;
  let sum = term;
  for (let k = 1; k < 200; k++) {
    term *= (z * z) / 4 / (k * (k + nu));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/**
 * E‖X − Y‖ for X − Y ~ N(δ, σ² I₂): the mean of the Rice distribution,
 * σ √(π/2) L_{1/2}(−ν²/(2σ²)), L_{1/2}(x) = e^{x/2} [(1 − x) I₀(−x/2) − x I₁(−x/2)], ν = ‖δ‖.
 */
function riceMean(nu: number, sigma: number): number {
  const x = -(nu * nu) / (2 * sigma * sigma);
  return sigma * Math.sqrt(Math.PI / 2) * Math.exp(x / 2) * ((1 - x) * besselI(0, -x / 2) - x * besselI(1, -x / 2));
}

/** Mean and standard error of repeated estimates. */
function meanSe(values: readonly number[]): { mean: number; se: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, se: sd / Math.sqrt(values.length) };
}

describe('two-sample statistics', () => {
  it('match a hand computation on a tiny case', () => {
    // X = two copies of (0, 0), Y = two copies of (3, 4): every cross distance is 5, within ones 0.
    const x = [0, 0, 0, 0];
    const y = [3, 4, 3, 4];
    expect(energyDistance(x, y, 2)).toBeCloseTo(10, 12);
    const l = 2;
    expect(mmdRbf(x, y, 2, l)).toBeCloseTo(2 - 2 * Math.exp(-25 / (2 * l * l)), 12);
    // three points against two, computed pair by pair
    const a = [0, 0, 1, 0, 0, 2];
    const b = [1, 1, -1, 0];
    const d = (p: number[], q: number[]): number => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!);
    const A = [[0, 0], [1, 0], [0, 2]];
    const B = [[1, 1], [-1, 0]];
    let cross = 0;
    for (const p of A) for (const q of B) cross += d(p, q);
    const withinA = (2 * (d(A[0]!, A[1]!) + d(A[0]!, A[2]!) + d(A[1]!, A[2]!))) / 6;
    const withinB = d(B[0]!, B[1]!);
    expect(energyDistance(a, b, 2)).toBeCloseTo((2 * cross) / 6 - withinA - withinB, 12);
    expect(energyDistance(b, a, 2)).toBeCloseTo(energyDistance(a, b, 2), 12);
  });

  it('MMD² (RBF, fixed bandwidth) averages to the closed form for Gaussians', () => {
    // X ~ N(μ₁, s₁²I), Y ~ N(μ₂, s₂²I) in 2-D: E k(X, Y) = ℓ²/(ℓ² + s₁² + s₂²) · exp(−‖μ₁ − μ₂‖² / (2(ℓ² + s₁² + s₂²))).
    // parameters where the bandwidth convention matters: ℓ/√2 or ℓ√2 would give 0.170 or 0.288, not 0.243
    const l = 0.6;
    const [s1, s2] = [1, 0.5];
    const delta = 1;
    const ek = (v: number, shift: number): number => ((l * l) / (l * l + v)) * Math.exp(-(shift * shift) / (2 * (l * l + v)));
    const exact = ek(2 * s1 * s1, 0) + ek(2 * s2 * s2, 0) - 2 * ek(s1 * s1 + s2 * s2, delta);
    const estimates = Array.from({ length: 8 }, (_, r) => mmdRbf(gaussian(500, [0, 0], s1, 2 * r), gaussian(500, [delta, 0], s2, 2 * r + 1), 2, l));
    const { mean, se } = meanSe(estimates);
    expect(exact).toBeGreaterThan(0.05); // far from 0, so a statistic stuck at 0 fails
    expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
    expect(se).toBeLessThan(0.1 * exact);
  });

  it('the energy distance averages to the closed form for Gaussians (Rayleigh and Rice means)', () => {
    const cases: { s1: number; s2: number; delta: number }[] = [
      { s1: 1, s2: 2, delta: 0 }, // √(π/2)(2√5 − 3√2) ≈ 0.2870
      { s1: 1, s2: 1, delta: 1.5 },
    ];
    for (const [k, { s1, s2, delta }] of cases.entries()) {
      const exact = 2 * riceMean(delta, Math.hypot(s1, s2)) - riceMean(0, Math.SQRT2 * s1) - riceMean(0, Math.SQRT2 * s2);
      if (delta === 0) expect(exact).toBeCloseTo(Math.sqrt(Math.PI / 2) * (2 * Math.sqrt(5) - 3 * Math.SQRT2), 12);
      const estimates = Array.from({ length: 8 }, (_, r) =>
        energyDistance(gaussian(500, [0, 0], s1, 100 * k + 2 * r), gaussian(500, [delta, 0], s2, 100 * k + 2 * r + 1), 2),
      );
      const { mean, se } = meanSe(estimates);
      expect(Math.abs(mean - exact), `case ${k}: ${mean} vs ${exact} ± ${se}`).toBeLessThan(4 * se);
      expect(se).toBeLessThan(0.1 * exact);
    }
  });

  it('twoSample agrees with the separate statistics, and equal laws give ≈ 0', () => {
    const x = gaussian(300, [0, 0], 1, 7);
    const y = gaussian(300, [0.5, -0.5], 1, 8);
    const both = twoSample(x, y, 2, [0.9, 0.2]);
    expect(both.energy).toBeCloseTo(energyDistance(x, y, 2), 10);
    expect(both.mmd2[0]).toBeCloseTo(mmdRbf(x, y, 2, 0.9), 12);
    expect(both.mmd2[1]).toBeCloseTo(mmdRbf(x, y, 2, 0.2), 12);
    const same = twoSample(x, gaussian(300, [0, 0], 1, 9), 2, [0.9]);
    expect(Math.abs(same.mmd2[0]!)).toBeLessThan(0.2 * both.mmd2[0]!);
    expect(Math.abs(same.energy)).toBeLessThan(0.2 * both.energy);
  });

  it('median heuristic: the median pairwise distance', () => {
    // points 0, 1, 2, 3 on a line: distances 1, 1, 1, 2, 2, 3 → median (1 + 2)/2
    expect(medianPairwiseDistance([0, 0, 1, 0, 2, 0, 3, 0], 2)).toBe(1.5);
    // 0, 1, 3: distances 1, 2, 3 → 2
    expect(medianPairwiseDistance([0, 0, 1, 0, 3, 0], 2)).toBe(2);
    // N(0, I₂): ‖X − X'‖ is Rayleigh(√2), median √2 · √(2 ln 2) = 2√(ln 2) ≈ 1.665
    expect(medianPairwiseDistance(gaussian(1500, [0, 0], 1, 3), 2)).toBeCloseTo(2 * Math.sqrt(Math.LN2), 1);
  });

  it('neighbour purity: 1 for separated labelled clusters, the chance level for uninformative labels', () => {
    const a = gaussian(200, [-10, 0], 0.5, 4);
    const b = gaussian(200, [10, 0], 0.5, 5);
    const pts = new Float64Array([...a, ...b]);
    const labels = Int32Array.from({ length: 400 }, (_, i) => (i < 200 ? 0 : 1));
    expect(neighbourPurity(pts, labels, 2, 5)).toBe(1);
    // interleaved labels carry no position information
    const mixed = Int32Array.from({ length: 400 }, (_, i) => i % 2);
    expect(chancePurity(mixed)).toBe(0.5);
    expect(Math.abs(neighbourPurity(pts, mixed, 2, 5) - 0.5)).toBeLessThan(0.06);
    // exact: on a line 0, 1, 10, 11 with labels 0, 1, 0, 1, each nearest neighbour has the other label
    expect(neighbourPurity([0, 0, 1, 0, 10, 0, 11, 0], [0, 1, 0, 1], 2, 1)).toBe(0);
  });

  it('rejects bad arguments with RangeErrors naming them', () => {
    expect(() => energyDistance([0, 0], [1, 1, 2, 2], 2)).toThrow(/x must hold at least 2/);
    expect(() => energyDistance([0, 0, 1], [1, 1, 2, 2], 2)).toThrow(/x must be \[n, 2\]/);
    expect(() => mmdRbf([0, 0, 1, 1], [1, 1, 2, 2], 2, 0)).toThrow(/bandwidth/);
    expect(() => mmdRbf([0, 0, 1, NaN], [1, 1, 2, 2], 2, 1)).toThrow(/finite/);
    expect(() => neighbourPurity([0, 0, 1, 1], [0, 1], 2, 2)).toThrow(/\bk\b/);
    expect(() => neighbourPurity([0, 0, 1, 1], [0], 2, 1)).toThrow(/labels/);
  });
});
