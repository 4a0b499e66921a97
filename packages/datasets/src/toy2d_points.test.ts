import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { formatDatasetError } from './errors.js';
import { decodePointCloud, pointCloud, pointCloudLogDensity, pointCloudSize, samplePointCloud } from './toy2d_points.js';

const cloud = pointCloud([0, 0, 10, 10, -5, 5], 0.1);
const key = { seed: 3, iteration: 7 };

describe('samplePointCloud', () => {
  it('[n, 2], replayable from its key, a prefix of a longer draw, new with the iteration or seed', () => {
    const a = samplePointCloud(cloud, 64, key);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(128);
    expect(samplePointCloud(cloud, 64, key)).toEqual(a);
    expect(samplePointCloud(cloud, 100, key).subarray(0, 128)).toEqual(a);
    expect(samplePointCloud(cloud, 64, { ...key, iteration: 8 })).not.toEqual(a);
    expect(samplePointCloud(cloud, 64, { ...key, seed: 4 })).not.toEqual(a);
    expect(samplePointCloud(cloud, 0, key)).toHaveLength(0);
  });

  it('without jitter picks only cloud points, each about equally often (±10% of n/3 at n = 30k)', () => {
    const n = 30_000;
    const b = samplePointCloud({ ...cloud, jitter: 0 }, n, key);
    const counts = new Map<string, number>();
    for (let r = 0; r < n; r++) counts.set(`${b[2 * r]},${b[2 * r + 1]}`, (counts.get(`${b[2 * r]},${b[2 * r + 1]}`) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['-5,5', '0,0', '10,10']);
    for (const c of counts.values()) expect(Math.abs(c - n / 3)).toBeLessThan(0.1 * (n / 3));
  });

  it('adds jitter of standard deviation σ per coordinate (±5% at 20k rows)', () => {
    const b = samplePointCloud(pointCloud([1, -1], 0.3), 20_000, { seed: 0, iteration: 0 });
    let s = 0;
    for (let r = 0; r < 20_000; r++) s += ((b[2 * r] as number) - 1) ** 2 + ((b[2 * r + 1] as number) + 1) ** 2;
    expect(Math.sqrt(s / 40_000)).toBeGreaterThan(0.3 * 0.95);
    expect(Math.sqrt(s / 40_000)).toBeLessThan(0.3 * 1.05);
  });

  it('refuses a bad n and an empty cloud, naming them', () => {
    expect(() => samplePointCloud(cloud, -1, key)).toThrow(/n must be an integer ≥ 0/);
    expect(() => samplePointCloud(cloud, 1.5, key)).toThrow(/n must be an integer ≥ 0/);
    expect(() => samplePointCloud({ points: new Float32Array(0), jitter: 0 }, 4, key)).toThrow(/cloud\.points must be \[m, 2\] with m ≥ 1/);
  });
});

describe('pointCloudLogDensity', () => {
  it('one point: the Gaussian log N(x; p, σ²I) in closed form (float64, 1e-12)', () => {
    const one = pointCloud([1, 2], 0.5);
    const x = Float64Array.from([1, 2, 0, 0, 3, -1]);
    const got = pointCloudLogDensity(one, x);
    for (let j = 0; j < 3; j++) {
      const d2 = ((x[2 * j] as number) - 1) ** 2 + ((x[2 * j + 1] as number) - 2) ** 2;
      expect(Math.abs((got[j] as number) - (-d2 / (2 * 0.25) - Math.log(2 * Math.PI * 0.25)))).toBeLessThan(1e-12);
    }
  });

  it('two points: log of the mean of the two Gaussians, stable far from the cloud', () => {
    const two = pointCloud([0, 0, 1, 0], 0.2);
    const x = Float64Array.from([0.3, 0.1]);
    const g = (px: number): number => Math.exp(-((0.3 - px) ** 2 + 0.01) / (2 * 0.04)) / (2 * Math.PI * 0.04);
    expect(Math.abs((pointCloudLogDensity(two, x)[0] as number) - Math.log(0.5 * (g(0) + g(1))))).toBeLessThan(1e-12);
    // 500σ away: exp underflows without log-sum-exp; the nearer point dominates
    const far = pointCloudLogDensity(two, Float64Array.from([101, 0]))[0] as number;
    expect(Math.abs(far - (-(100 ** 2) / (2 * 0.04) - Math.log(2) - Math.log(2 * Math.PI * 0.04)))).toBeLessThan(1e-6);
  });

  it('integrates to 1 (midpoint rule on a 400² grid over the cloud ± 6σ: ±1e-3)', () => {
    const c = pointCloud([0, 0, 0.5, 0.2, -0.4, 0.6], 0.15);
    const [x0, x1, y0, y1] = [-0.4 - 0.9, 0.5 + 0.9, 0 - 0.9, 0.6 + 0.9];
    const side = 400;
    const grid = new Float64Array(2 * side * side);
    for (let r = 0; r < side; r++)
      for (let q = 0; q < side; q++) {
        grid[2 * (r * side + q)] = x0 + ((q + 0.5) * (x1 - x0)) / side;
        grid[2 * (r * side + q) + 1] = y0 + ((r + 0.5) * (y1 - y0)) / side;
      }
    const area = ((x1 - x0) / side) * ((y1 - y0) / side);
    const mass = pointCloudLogDensity(c, grid).reduce((a, v) => a + Math.exp(v) * area, 0);
    expect(Math.abs(mass - 1)).toBeLessThan(1e-3);
  });

  it('refuses a cloud without jitter and an odd-length x', () => {
    expect(() => pointCloudLogDensity({ ...cloud, jitter: 0 }, Float64Array.of(0, 0))).toThrow(/jitter must be a finite number > 0/);
    expect(() => pointCloudLogDensity(cloud, Float64Array.of(0, 0, 1))).toThrow(/x must be \[m, 2\]/);
  });
});

describe('pointCloud / decodePointCloud', () => {
  it('copies the values to float32 and counts the points', () => {
    const values = [0.5, 1, 2, 3];
    const c = pointCloud(values, 0.04);
    values[0] = 9;
    expect(Array.from(c.points)).toEqual([0.5, 1, 2, 3]);
    expect(pointCloudSize(c)).toBe(2);
    expect(decodePointCloud(Float64Array.of(1, 2), [1, 2], 0, 'a.npy')).toEqual(E.right({ points: Float32Array.of(1, 2), jitter: 0 }));
  });

  it.each([
    [[1, 2, 3], [3], 0.1, /shape \[n, 2\]; got shape \[3\]/],
    [[1, 2, 3, 4, 5, 6], [2, 3], 0.1, /shape \[n, 2\]; got shape \[2, 3\]/],
    [[], [0, 2], 0.1, /at least one point; got n = 0/],
    [[1, Number.NaN], [1, 2], 0.1, /finite; row 0 has NaN/],
    [[1, 2, 3, Infinity], [2, 2], 0.1, /finite; row 1 has Infinity/],
    [[1, 2], [1, 2], -1, /jitter must be a finite number ≥ 0; got -1/],
  ])('refuses %j of shape %j (jitter %d) with one line naming the file and what is allowed', (values, shape, jitter, pattern) => {
    const r = decodePointCloud(values, shape, jitter, 'mine.npy');
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(formatDatasetError(r.left)).toMatch(/mine\.npy/);
      expect(formatDatasetError(r.left)).toMatch(pattern);
    }
  });

  it('pointCloud throws RangeErrors naming the argument', () => {
    expect(() => pointCloud([1, 2, 3], 0.1)).toThrow(/^pointCloud: points must be an array of shape \[n, 2\]/);
    expect(() => pointCloud([], 0.1)).toThrow(/at least one point/);
    expect(() => pointCloud([0, 0], Number.NaN)).toThrow(/jitter must be a finite number ≥ 0/);
  });
});
