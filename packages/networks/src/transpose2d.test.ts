import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { transpose2d, TRANSPOSE_2D_KERNEL } from './transpose2d.js';

describe('transpose2d', () => {
  it.each([
    [256, 64],
    [1, 7],
    [7, 1],
    [33, 65],
  ])('equals tf.transpose bit for bit on [%i, %i], including −0, subnormals and NaN, without leaks', (r, c) => {
    const values = Float32Array.from({ length: r * c }, (_, i) => (i % 11 === 0 ? -0 : i % 13 === 0 ? 1e-40 : i % 17 === 0 ? Number.NaN : Math.sin(i) * 10 ** ((i % 9) - 4)));
    const m = tf.tensor2d(values, [r, c]);
    const ref = take(tf.transpose(m));
    const ours = expectNoLeaks(() => {
      const t = transpose2d(m);
      expect(t.shape).toEqual([c, r]);
      return take(t);
    });
    expect(ours.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(ref.map((v) => (Object.is(v, -0) ? '-0' : v)));
    m.dispose();
  });

  it('runs its one kernel on wasm, tf.transpose elsewhere and under a gradient tape', async () => {
    const m = tf.ones([4, 3]) as tf.Tensor2D;
    const names = (await tf.profile(() => transpose2d(m).dispose())).kernels.map((k) => k.name);
    expect(names).toEqual([tf.getBackend() === 'wasm' ? TRANSPOSE_2D_KERNEL : 'Transpose']);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(transpose2d(x as tf.Tensor2D), tf.reshape(tf.range(0, 12), [3, 4]))))(m);
    expect(take(g)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    m.dispose();
  });

  it('rejects a tensor that is not a matrix', () => {
    const v = tf.ones([3]);
    expect(() => transpose2d(v as unknown as tf.Tensor2D)).toThrow(/m must be \[r, c\], got \[3\]/);
    v.dispose();
  });
});
