import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '@diffflow/test-utils';
import { deriveSeed, forwardNoise, purposeSeed, replayableNormal, replayableNormals, replayableUniforms } from './noise.js';

const key = { seed: 7, purpose: 'forward', iteration: 3, step: 5 };

describe('replayable noise', () => {
  it('gives identical noise for the same (seed, iteration, step), whatever was drawn before', () => {
    const a = take(replayableNormal([4, 2], key));
    replayableNormals(1000, { ...key, step: 6 }); // other draws in between change nothing
    const b = take(replayableNormal([4, 2], key));
    expect(a).toEqual(b);
    const src = forwardNoise(7, 3);
    expect(take(src(5, [4, 2]))).toEqual(a);
  });

  it('gives different noise for a different step, iteration, seed or purpose', () => {
    const a = take(replayableNormal([8], key));
    for (const other of [{ step: 6 }, { iteration: 4 }, { seed: 8 }, { purpose: 'grid' }]) {
      expect(take(replayableNormal([8], { ...key, ...other }))).not.toEqual(a);
    }
    expect(new Set([0, 1, 2, 3].map((step) => deriveSeed({ ...key, step }))).size).toBe(4);
  });

  it('gives a shard exactly its rows of the full batch', () => {
    const full = take(forwardNoise(1, 2)(3, [10, 3]));
    const shard = take(forwardNoise(1, 2, [4, 7])(3, [3, 3]));
    expect(shard).toEqual(full.slice(12, 21));
    expect(() => forwardNoise(1, 2, [4, 7])(3, [2, 3])).toThrow(/shard rows/);
  });

  it('is standard normal and uniform in distribution (float32 moments, 200k draws)', () => {
    const z = replayableNormals(200_000, key);
    let m = 0;
    let v = 0;
    for (const x of z) m += x;
    m /= z.length;
    for (const x of z) v += (x - m) ** 2;
    v /= z.length;
    // standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; allow ~4σ
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.013);
    const u = replayableUniforms(100_000, key);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(0.5, 2);
  });

  it('creates float32 tensors of the requested shape', () => {
    const t = replayableNormal([2, 3, 4], key);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.dtype).toBe('float32');
    tf.dispose(t);
  });
});

describe('purposeSeed', () => {
  it('is a function of (seed, purpose): the same pair gives the same seed, different pairs differ', () => {
    expect(purposeSeed(0, 'sample')).toBe(purposeSeed(0, 'sample'));
    const seeds = new Set([purposeSeed(0, 'sample'), purposeSeed(0, 'test'), purposeSeed(1, 'sample'), purposeSeed(1, 'test')]);
    expect(seeds.size).toBe(4);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0).toBe(true);
  });
});
