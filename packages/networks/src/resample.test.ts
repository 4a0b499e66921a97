import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { avgPool2x, upsampleNearest2x } from './resample.js';

describe('upsampleNearest2x', () => {
  it('copies each pixel to a 2×2 block, and its gradient sums each block (as autodiff of stack/reshape), without leaks', () => {
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 6, 8, 5], 0, 1, 'float32', 2);
    // the same map from built-in ops: duplicate along a new axis after H and after W
    const plain = (a: tf.Tensor): tf.Tensor => {
      const rows = tf.reshape(tf.stack([a, a], 2), [2, 6, 4, 5]);
      return tf.reshape(tf.stack([rows, rows], 3), [2, 6, 8, 5]);
    };
    const ours = expectNoLeaks(() => {
      const { value, grad } = tf.valueAndGrad((a: tf.Tensor): tf.Tensor => upsampleNearest2x(a as tf.Tensor4D))(x, dy);
      return { value: take(value), grad: take(grad) };
    });
    const theirs = tf.valueAndGrad(plain)(x, dy);
    expect(ours.value).toEqual(take(theirs.value));
    expect(relativeError(ours.grad, take(theirs.grad))).toBeLessThan(1e-6);
    tf.dispose([x, dy]);
  });
});

describe('avgPool2x', () => {
  it('averages 2×2 blocks', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    expect(take(avgPool2x(x))).toEqual([3.5, 5.5, 11.5, 13.5]);
    x.dispose();
  });
});
