import { describe, expect, it } from 'vitest';
import { replayableUniforms } from '@diffflow/sde-core';
import * as E from 'fp-ts/lib/Either.js';
import {
  decodeToyName,
  hasKnownSupport,
  insideSupport,
  isToyName,
  sampleToy,
  supportMask,
  toyLabels,
  toyNames,
  toySupportTolerance,
  type ToyName,
} from './toy2d.js';

const key = { seed: 7, iteration: 3 };

function column(points: Float32Array, j: 0 | 1): number[] {
  const out: number[] = [];
  for (let i = j; i < points.length; i += 2) out.push(points[i]!);
  return out;
}

describe('sampleToy', () => {
  it.each(toyNames)('%s: [n, 2], finite, replayable from its key, a prefix of a longer draw', (name) => {
    const a = sampleToy(name, 500, key);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(1000);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(sampleToy(name, 500, key)).toEqual(a);
    expect(sampleToy(name, 800, key).subarray(0, 1000)).toEqual(a);
    const b = sampleToy(name, 500, { ...key, iteration: 4 });
    expect(b).not.toEqual(a);
    const c = sampleToy(name, 500, { ...key, seed: 8 });
    expect(c).not.toEqual(a);
  });

  it('rejects a bad n and an unknown name, naming what is allowed', () => {
    expect(() => sampleToy('moons', -1, key)).toThrow(/n must be an integer ≥ 0/);
    expect(() => sampleToy('moons', 1.5, key)).toThrow(/n must be an integer ≥ 0/);
    expect(() => sampleToy('rings' as ToyName, 3, key)).toThrow(/unknown toy dataset 'rings'; allowed: checkerboard/);
    expect(sampleToy('moons', 0, key)).toHaveLength(0);
  });

  it('checkerboard: 8 squares of side 2 on [−4, 4]², equally filled', () => {
    const n = 40_000;
    const p = sampleToy('checkerboard', n, key);
    const counts = new Map<string, number>();
    let outside = 0;
    let white = 0;
    for (let i = 0; i < n; i++) {
      const x = p[2 * i]!;
      const y = p[2 * i + 1]!;
      if (!(x >= -4 && x < 4 && y >= -4 && y < 4)) outside++;
      const col = Math.floor(x / 2);
      const row = Math.floor(y / 2);
      // black squares: column + row even (the square at [−4,−2)×[−4,−2) is black)
      if ((((col + row) % 2) + 2) % 2 !== 0) white++;
      counts.set(`${col},${row}`, (counts.get(`${col},${row}`) ?? 0) + 1);
    }
    expect([outside, white]).toEqual([0, 0]);
    expect(counts.size).toBe(8);
    // each square holds n/8 ± 5 binomial standard deviations
    const sd = Math.sqrt((n * (1 / 8) * (7 / 8)));
    for (const c of counts.values()) expect(Math.abs(c - n / 8)).toBeLessThan(5 * sd);
    // uniform within a square: mean of x within [0, 2) square ≈ 1 (tolerance 5 σ of the mean)
    const inSquare = column(p, 0).filter((x, i) => x >= 0 && x < 2 && p[2 * i + 1]! >= 0 && p[2 * i + 1]! < 2);
    const m = inSquare.reduce((s, v) => s + v, 0) / inSquare.length;
    expect(Math.abs(m - 1)).toBeLessThan(5 * Math.sqrt(1 / 3 / inSquare.length));
  });

  it('olympic: radii about the nearest centre are N(1, 0.001²)', () => {
    const p = sampleToy('olympic', 20_000, key);
    const labels = toyLabels('olympic', p);
    const centres = [
      [-1.75, 0.75],
      [0, 0.75],
      [1.75, 0.75],
      [-1.05, -0.75],
      [1.05, -0.75],
    ];
    const r: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      const c = centres[labels[i]!]!;
      r.push(Math.hypot(p[2 * i]! - c[0]!, p[2 * i + 1]! - c[1]!));
    }
    const mean = r.reduce((s, v) => s + v, 0) / r.length;
    const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / r.length);
    // float32 coordinates add ≈ 1e-7 of rounding; tolerances are several standard errors
    expect(Math.abs(mean - 1)).toBeLessThan(5 * (0.001 / Math.sqrt(r.length)) + 1e-6);
    expect(Math.abs(sd - 0.001)).toBeLessThan(0.00005);
    // five rings, each about a fifth of the points (5 binomial σ)
    const counts = [0, 0, 0, 0, 0];
    for (const l of labels) counts[l]! += 1;
    for (const c of counts) expect(Math.abs(c - 4000)).toBeLessThan(5 * Math.sqrt(20_000 * 0.2 * 0.8));
  });

  it('sierpinski: points fill only the carpet, all 8 level-1 cells, within [−1, 1]²', () => {
    const p = sampleToy('sierpinski', 20_000, key);
    expect(p.every((v) => v >= -1 && v <= 1)).toBe(true);
    const labels = toyLabels('sierpinski', p);
    const counts = new Array<number>(8).fill(0);
    let off = 0;
    for (const l of labels) {
      if (l < 0) off++;
      else counts[l]! += 1;
    }
    expect(off).toBeLessThanOrEqual(2); // float32 rounding may nudge a boundary point into a hole
    for (const c of counts) expect(Math.abs(c - 2500)).toBeLessThan(5 * Math.sqrt(20_000 * (1 / 8) * (7 / 8)));
    // the central hole (−1/3, 1/3)² is empty
    let inHole = 0;
    for (let i = 0; i < p.length; i += 2) if (Math.abs(p[i]!) < 1 / 3 - 1e-6 && Math.abs(p[i + 1]!) < 1 / 3 - 1e-6) inHole++;
    expect(inHole).toBe(0);
  });

  it('8gaussians: modes at radius 4/1.414 with σ = 0.5/1.414', () => {
    const p = sampleToy('8gaussians', 16_000, key);
    const labels = toyLabels('8gaussians', p);
    let sx = 0;
    let n = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== 0) continue; // centre (4, 0)/1.414
      sx += p[2 * i]!;
      n++;
    }
    expect(Math.abs(sx / n - 4 / 1.414)).toBeLessThan(5 * (0.5 / 1.414 / Math.sqrt(n)));
  });
});

describe('toyLabels', () => {
  it('checkerboard: square ids 0…7, −1 in the white squares and outside', () => {
    // black squares: ⌊x/2⌋ + ⌊y/2⌋ even; ids count row-major from the bottom-left, two per row
    const pts = new Float32Array([-3, -3, -1, -3, 1, -3, 3, 3, -3, -1, 0.5, 0.5, 5, 0]);
    expect(Array.from(toyLabels('checkerboard', pts))).toEqual([0, -1, 1, 7, -1, 5, -1]);
  });

  it('rings: the ring a point was drawn on (rings far from intersections)', () => {
    const pts = new Float32Array([-1.75, 1.75, 0, -0.25, 1.75 + 1, 0.75, -1.05, -1.75, 1.05 + 1, -0.75]);
    expect(Array.from(toyLabels('olympic', pts))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(toyLabels('fourrings', pts.subarray(2)))).toEqual([0, 1, 2, 3]);
  });

  it('sierpinski: −1 in a hole, else the level-1 cell', () => {
    const pts = new Float32Array([0, 0, -0.998, -0.998, 0.998, 0.998, -1 + 2 / 9 + 0.01, -1 + 2 / 9 + 0.01]);
    // the corners stay in corner cells at every level: cell 0 and cell 7; the last point sits in a level-2 hole
    expect(Array.from(toyLabels('sierpinski', pts))).toEqual([-1, 0, 7, -1]);
  });

  it('moons, circles, 2spirals, pinwheel, 8gaussians: points on a known component get its id', () => {
    // moons: top of the outer arc, bottom of the inner arc (centre (1, ½))
    expect(Array.from(toyLabels('moons', new Float32Array([0, 1, 1, -0.5])))).toEqual([0, 1]);
    expect(Array.from(toyLabels('circles', new Float32Array([3, 0, 0, 1.5])))).toEqual([0, 1]);
    // 2spirals: the centre line of arm 0 at t = 2π, and its reflection (arm 1)
    const t = 2 * Math.PI;
    const ax = (-Math.cos(t) * t + 0.25) / 3;
    const ay = (Math.sin(t) * t + 0.25) / 3;
    expect(Array.from(toyLabels('2spirals', new Float32Array([ax, ay, -ax, -ay])))).toEqual([0, 1]);
    // pinwheel: the noise-free point of arm k, radius 1 rotated by 2πk/5 + ¼e, times 2
    const arms = new Float32Array(10);
    for (let k = 0; k < 5; k++) {
      const a = (2 * Math.PI * k) / 5 + 0.25 * Math.E;
      arms[2 * k] = 2 * Math.cos(a);
      arms[2 * k + 1] = 2 * Math.sin(a);
    }
    expect(Array.from(toyLabels('pinwheel', arms))).toEqual([0, 1, 2, 3, 4]);
    const c = 4 / 1.414;
    const d = c * Math.SQRT1_2;
    const centres = new Float32Array([c, 0, -c, 0, 0, c, 0, -c, d, d, d, -d, -d, d, -d, -d]);
    expect(Array.from(toyLabels('8gaussians', centres))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(toyLabels('swissroll', new Float32Array([1, 2, 3, 4])))).toEqual([0, 0]);
  });

  it('rejects odd-length input', () => {
    expect(() => toyLabels('moons', new Float32Array(3))).toThrow(/\[n, 2\]/);
  });
});

describe('insideSupport', () => {
  const withSupport = toyNames.filter(hasKnownSupport);

  it('knows the supports it claims to, and refuses the others by name', () => {
    expect(withSupport.sort()).toEqual(Object.keys(toySupportTolerance).sort());
    expect(() => insideSupport('pinwheel', new Float32Array(2))).toThrow(/'pinwheel' has no known support; allowed: /);
    expect(() => insideSupport('2spirals', new Float32Array(2))).toThrow(/no known support/);
  });

  it.each(withSupport)('%s: ≈ 1 for samples of the true distribution', (name) => {
    const p = sampleToy(name, 10_000, { seed: 11, iteration: 0 });
    // exact sets: only float32 rounding at cell edges can fall outside; noisy sets: 4σ bands keep ≥ 99.9 %
    expect(insideSupport(name, p)).toBeGreaterThan(0.998);
  });

  it.each(withSupport)('%s: well below 1 for uniform points over the bounding box (sierpinski: its area)', (name) => {
    const p = sampleToy(name, 4000, { seed: 11, iteration: 1 });
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of p) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const u = replayableUniforms(8000, { seed: 12, purpose: 'test', iteration: 0, step: 0 });
    const spread = new Float32Array(u.length);
    for (let i = 0; i < u.length; i++) spread[i] = lo + u[i]! * (hi - lo);
    const fraction = insideSupport(name, spread);
    if (name === 'sierpinski') {
      // the level-4 carpet covers exactly (8/9)⁴ of [−1, 1]²: within 5 binomial σ
      const p = (8 / 9) ** 4;
      expect(Math.abs(fraction - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / 4000));
    } else {
      // circles' 4σ bands cover ≈ 80 % of their box, 8gaussians' 4σ discs ≈ 70 %; the rest far less
      expect(fraction).toBeLessThan(name === 'circles' ? 0.9 : name === '8gaussians' ? 0.8 : 0.6);
    }
  });

  it('checkerboard: exact squares; tolerance is a distance in dataset coordinates', () => {
    const pts = new Float32Array([-3, -3, -1.9, -3, 0.5, -0.5]);
    expect(Array.from(supportMask('checkerboard', pts))).toEqual([1, 0, 0]);
    expect(Array.from(supportMask('checkerboard', pts, 0.15))).toEqual([1, 1, 0]);
  });

  it('rings: inside within the tolerance of radius 1', () => {
    const pts = new Float32Array([0, 0.75 + 1.003, 0, 0.75 + 1.006]);
    expect(Array.from(supportMask('fourrings', pts))).toEqual([1, 0]);
    expect(Array.from(supportMask('fourrings', pts, 0.01))).toEqual([1, 1]);
  });

  it('sierpinski: the centre of a level-4 hole is out, a point in a cell is in', () => {
    const side = 2 / 81;
    const hole = -1 + 1.5 * side; // the first level-4 hole is the cell (1, 1) of the 3 × 3 grid of side-81 cells
    const pts = new Float32Array([hole, hole, -1 + 0.5 * side, -1 + 0.5 * side]);
    expect(Array.from(supportMask('sierpinski', pts))).toEqual([0, 1]);
    expect(Array.from(supportMask('sierpinski', pts, side))).toEqual([1, 1]);
  });

  it('swissroll: on the curve is in, half a loop away is out', () => {
    const t = 3 * Math.PI;
    const pts = new Float32Array([t * Math.cos(t), t * Math.sin(t), (t + Math.PI) * Math.cos(t), (t + Math.PI) * Math.sin(t)]);
    expect(Array.from(supportMask('swissroll', pts))).toEqual([1, 0]);
  });

  it('rejects a negative tolerance and an empty point set', () => {
    expect(() => insideSupport('moons', new Float32Array(2), -1)).toThrow(/tolerance must be finite and ≥ 0/);
    expect(() => insideSupport('moons', new Float32Array(0))).toThrow(/at least one point/);
  });
});

describe('isToyName', () => {
  it('accepts exactly the listed names', () => {
    for (const n of toyNames) expect(isToyName(n)).toBe(true);
    expect(isToyName('circle')).toBe(false);
    expect(isToyName('')).toBe(false);
  });

  it('decodeToyName: UnknownDataset listing the allowed names', () => {
    expect(decodeToyName('moons')).toEqual(E.right('moons'));
    expect(decodeToyName('moon')).toEqual(E.left({ _tag: 'UnknownDataset', name: 'moon', allowed: toyNames }));
  });
});
