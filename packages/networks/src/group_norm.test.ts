import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { groupNorm } from './group_norm.js';

/** Group norm written plainly with built-in ops (tfjs autodiff gives its gradient). */
function referenceGroupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const xr = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(xr, [1, 3], true);
  const xhat = tf.reshape(tf.div(tf.sub(xr, mean), tf.sqrt(tf.add(variance, eps))), x.shape);
  return tf.add(tf.mul(xhat, gamma), beta);
}

const randn = (shape: number[], seed: number, mean = 0, std = 1): tf.Tensor => tf.randomNormal(shape, mean, std, 'float32', seed);

describe('groupNorm', () => {
  for (const [label, shape, groups] of [
    ['4 groups of 2 channels', [3, 4, 5, 8], 4],
    ['1 group (layer norm)', [2, 3, 3, 6], 1],
    ['one channel per group (instance norm)', [2, 4, 4, 3], 3],
  ] as const) {
    it(`${label}: value and gradients (x, γ, β) match the built-in composition, without leaks`, () => {
      const x = randn([...shape], 1, 0.5, 2) as tf.Tensor4D;
      const gamma = randn([shape[3]], 2, 1, 0.3) as tf.Tensor1D;
      const beta = randn([shape[3]], 3) as tf.Tensor1D;
      const dy = randn([...shape], 4);
      const norm = groupNorm(groups, 1e-6);
      const ours = expectNoLeaks(() => {
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, bb: tf.Tensor): tf.Tensor =>
          norm(a as tf.Tensor4D, g as tf.Tensor1D, bb as tf.Tensor1D),
        )([x, gamma, beta], dy);
        return { value: take(value), grads: grads.map(take) };
      });
      const theirs = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, bb: tf.Tensor): tf.Tensor =>
        referenceGroupNorm(a as tf.Tensor4D, g as tf.Tensor1D, bb as tf.Tensor1D, groups, 1e-6),
      )([x, gamma, beta], dy);
      // float32: the reference and ours sum in different orders
      expect(relativeError(ours.value, take(theirs.value))).toBeLessThan(1e-5);
      theirs.grads.forEach((g, k) => expect(relativeError(ours.grads[k]!, take(g)), `input ${k}`).toBeLessThan(1e-4));
      tf.dispose([x, gamma, beta, dy]);
    });
  }

  it('normalises each (sample, group) to mean 0 and variance 1 when γ = 1, β = 0, even off-centre', () => {
    const x = randn([2, 4, 4, 4], 5, 30, 0.5) as tf.Tensor4D; // |mean| ≫ std: the two-pass variance keeps it exact
    const [mean, variance] = tf.tidy(() => {
      const y = groupNorm(2)(x, tf.ones([4]), tf.zeros([4]));
      const m = tf.moments(tf.reshape(y, [2, 16, 2, 2]), [1, 3]);
      return [m.mean, m.variance];
    });
    expect(Math.max(...take(tf.abs(mean!)))).toBeLessThan(1e-4);
    for (const v of take(variance!)) expect(v).toBeCloseTo(1, 3);
    tf.dispose([x, mean!]);
  });

  it('rejects channels not divisible by the groups, naming the shape', () => {
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    const [g, b] = [tf.ones([6]) as tf.Tensor1D, tf.zeros([6]) as tf.Tensor1D];
    expect(() => groupNorm(4)(x, g, b)).toThrow(/x \[1, 2, 2, 6\] needs C divisible by 4 groups/);
    expect(() => groupNorm(0)).toThrow(RangeError);
    tf.dispose([x, g, b]);
  });
});
