import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { replayableNormal } from '@diffflow/sde-core';
import { clipByGlobalNorm } from './clip.js';

describe('clipByGlobalNorm', () => {
  it('scales the vector by maxNorm / ‖g‖ when the norm is larger (disposing the input), and reports the norm', () => {
    const g = tf.tensor1d([3, 0, 0, 4]);
    const before = tf.memory().numTensors;
    const { grad, norm } = clipByGlobalNorm(g, 1);
    expect(g.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(norm).toBeCloseTo(5, 5);
    Array.from(grad.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.6, 0, 0, 0.8][i]!, 6));
    grad.dispose();
  });

  it('returns the same tensor, untouched, when the norm is within maxNorm, clipping is off, or the norm is not finite', () => {
    for (const [values, maxNorm] of [
      [[0.3, -0.4], 1],
      [[30, -40], 0],
      [[1, Number.POSITIVE_INFINITY], 1],
    ] as const) {
      const g = tf.tensor1d([...values]);
      expectNoLeaks(() => {
        expect(clipByGlobalNorm(g, maxNorm).grad).toBe(g);
      });
      expect(Array.from(g.dataSync())).toEqual(Array.from(Float32Array.from(values)));
      g.dispose();
    }
  });

  it('the norm of the flat vector is the per-tensor global norm (√ of the addN of per-tensor sums) within float32 rounding (≤ 1e-6 relative)', () => {
    const shapes = [[64, 64], [64], [2, 64], [64, 2], [2], [1]];
    const pieces = shapes.map((s, k) => replayableNormal(s, { seed: 7, purpose: 'clip-test', iteration: k, step: 0 }));
    const perTensor = tf.tidy(() => tf.sqrt(tf.addN(pieces.map((p) => tf.sum(tf.square(p))))).dataSync()[0] as number);
    const flat = tf.concat(pieces.map((p) => tf.reshape(p, [-1])));
    const norm = expectNoLeaks(() => clipByGlobalNorm(flat, 1e9).norm);
    expect(Math.abs(norm - perTensor) / perTensor).toBeLessThan(1e-6);
    tf.dispose([flat, ...pieces]);
  });
});
