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

  it('the norm is the float64 norm of the float32 entries: within 1e-7 relative of it, and within 1e-5 of the per-tensor float32 sums it replaces (their own rounding: 1.1e-6 here)', () => {
    const shapes = [[64, 64], [64], [2, 64], [64, 2], [2], [1], [128, 256]];
    const pieces = shapes.map((s, k) => replayableNormal(s, { seed: 7, purpose: 'clip-test', iteration: k, step: 0 }));
    const perTensor = tf.tidy(() => tf.sqrt(tf.addN(pieces.map((p) => tf.sum(tf.square(p))))).dataSync()[0] as number);
    const flat = tf.concat(pieces.map((p) => tf.reshape(p, [-1])));
    const exact = Math.sqrt(Array.from(flat.dataSync()).reduce((s, x) => s + x * x, 0));
    const norm = expectNoLeaks(() => clipByGlobalNorm(flat, 1e9).norm);
    expect(Math.abs(norm - exact) / exact).toBeLessThan(1e-7);
    expect(Math.abs(norm - perTensor) / perTensor).toBeLessThan(1e-5);
    tf.dispose([flat, ...pieces]);
  });

  it('a finite entry whose float32 square overflows still gives a finite norm (and is clipped)', () => {
    const g = tf.tensor1d([3e19, 4e19]);
    const { grad, norm } = clipByGlobalNorm(g, 1);
    expect(norm / 5e19).toBeCloseTo(1, 6);
    Array.from(grad.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.6, 0.8][i]!, 6));
    grad.dispose();
  });
});
