import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { gaussianStats } from './gaussian_stats.js';

describe('gaussianStats', () => {
  it('is the sample mean and the unbiased (n − 1) covariance, worked by hand', () => {
    // rows (1, 2), (3, 6), (5, 4): μ = (3, 4); centred (−2, −2), (0, 2), (2, 0)
    const s = gaussianStats({ data: new Float32Array([1, 2, 3, 6, 5, 4]), n: 3, d: 2 });
    expect(Array.from(s.mean)).toEqual([3, 4]);
    // Σ = [[4 + 0 + 4, 4 + 0 + 0], [·, 4 + 4 + 0]] / 2 = [[4, 2], [2, 4]]
    expect(Array.from(s.covariance)).toEqual([4, 2, 2, 4]);
    expect([s.n, s.d]).toEqual([3, 2]);
  });

  it('keeps float64 digits: features offset by 1e6 give the same covariance as unshifted ones', () => {
    const base = [0.25, -0.5, 0.75, 0.5, -0.25, 0.125, 0, 1];
    const plain = gaussianStats({ data: new Float64Array(base), n: 4, d: 2 });
    const shifted = gaussianStats({ data: new Float64Array(base.map((v) => v + 1e6)), n: 4, d: 2 });
    for (let i = 0; i < 4; i++) expect(shifted.covariance[i]).toBeCloseTo(plain.covariance[i] as number, 8);
    expect((shifted.mean[0] as number) - 1e6).toBeCloseTo(plain.mean[0] as number, 8);
  });

  it('reads a tf.Tensor2D as the same matrix, without leaking or disposing it', () => {
    const values = [1, 2, 3, 6, 5, 4];
    const x = tf.tensor2d(values, [3, 2]);
    const s = expectNoLeaks(() => gaussianStats(x));
    expect(x.isDisposed).toBe(false);
    x.dispose();
    expect(Array.from(s.covariance)).toEqual(Array.from(gaussianStats({ data: new Float32Array(values), n: 3, d: 2 }).covariance));
  });

  it('names features when there are fewer than 2 vectors, the sizes disagree, a value is not finite or a tensor is not 2-D', () => {
    expect(() => gaussianStats({ data: new Float32Array(2), n: 1, d: 2 })).toThrow(/features must hold at least 2 vectors/);
    expect(() => gaussianStats({ data: new Float32Array(5), n: 3, d: 2 })).toThrow(/features.data has 5 values, expected n·d/);
    expect(() => gaussianStats({ data: new Float32Array([1, NaN, 2, 3]), n: 2, d: 2 })).toThrow(/features holds a non-finite value in column 1/);
    const v = tf.tensor1d([1, 2, 3]);
    expect(() => gaussianStats(v as unknown as tf.Tensor2D)).toThrow(/features must be a 2-D tensor/);
    v.dispose();
  });
});
