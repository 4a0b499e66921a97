import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { pointwise } from './pointwise.js';

const randn = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('pointwise', () => {
  for (const sizes of [[5], [3, 4], [2, 1, 3]]) {
    it(`blocks [${sizes.join(', ')}]: Σ x_k W_k + b and its gradients equal concat + matMul under autodiff, without leaks`, () => {
      const xs = sizes.map((c, k) => randn([7, c], k + 1) as tf.Tensor2D);
      const ws = sizes.map((c, k) => randn([c, 4], k + 11) as tf.Tensor2D);
      const b = randn([4], 21) as tf.Tensor1D;
      const dy = randn([7, 4], 22);
      const n = sizes.length;
      const ours = expectNoLeaks(() => {
        const { value, grads } = tf.valueAndGrads((...ins: tf.Tensor[]): tf.Tensor =>
          pointwise(ins.slice(0, n) as tf.Tensor2D[], ins.slice(n, 2 * n) as tf.Tensor2D[], ins[2 * n] as tf.Tensor1D),
        )([...xs, ...ws, b], dy);
        return { value: take(value), grads: grads.map(take) };
      });
      const theirs = tf.valueAndGrads((...ins: tf.Tensor[]) =>
        tf.add(tf.matMul(tf.concat(ins.slice(0, n), 1), tf.concat(ins.slice(n, 2 * n), 0)), ins[2 * n] as tf.Tensor),
      )([...xs, ...ws, b], dy);
      expect(relativeError(ours.value, take(theirs.value))).toBeLessThan(1e-6);
      theirs.grads.forEach((g, k) => expect(relativeError(ours.grads[k]!, take(g)), `input ${k}`).toBeLessThan(1e-6));
      tf.dispose([...xs, ...ws, b, dy]);
    });
  }

  it('rejects mismatched blocks with a RangeError listing the shapes', () => {
    const x = tf.zeros([3, 2]) as tf.Tensor2D;
    const w = tf.zeros([3, 4]) as tf.Tensor2D;
    const b = tf.zeros([4]) as tf.Tensor1D;
    expect(() => pointwise([x], [w], b)).toThrow(/got xs \[3, 2\], ws \[3, 4\], b \[4\]/);
    expect(() => pointwise([x, x], [w], b)).toThrow(RangeError);
    tf.dispose([x, w, b]);
  });
});
