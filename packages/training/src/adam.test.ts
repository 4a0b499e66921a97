import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { relativeError } from '@diffflow/test-utils';
import { adam } from './adam.js';
import { clipByGlobalNorm } from './clip.js';
import { ema } from './ema.js';

describe('adam', () => {
  it('follows tfjs AdamOptimizer step for step (float32 tolerance 1e-5)', () => {
    const a = tf.variable(tf.tensor1d([1, -2, 3]), true, 'adam-test-a');
    const b = tf.variable(tf.tensor1d([1, -2, 3]), true, 'adam-test-b');
    const mine = adam([a]);
    const ref = tf.train.adam(0.1);
    for (let k = 0; k < 5; k++) {
      const g = tf.tensor1d([0.5 * k - 1, 2, -0.3 * k]);
      mine.apply({ [a.name]: g }, 0.1);
      ref.applyGradients([{ name: b.name, tensor: g }]);
      g.dispose();
    }
    expect(mine.step).toBe(5);
    expect(relativeError(a.dataSync(), b.dataSync())).toBeLessThan(1e-5);
    mine.dispose();
    ref.dispose();
    tf.dispose([a, b]);
  });

  it('restores its slots and rejects a slot of the wrong shape', () => {
    const v = tf.variable(tf.zeros([2]), true, 'adam-test-c');
    const opt = adam([v]);
    const g = tf.ones([2]);
    opt.apply({ [v.name]: g }, 0.1);
    const { step, slots } = opt.state();
    const other = adam([v]);
    other.restore(step, slots);
    expect(Array.from(other.state().slots.get(`m/${v.name}`)!.dataSync())).toEqual(Array.from(slots.get(`m/${v.name}`)!.dataSync()));
    const bad = new Map(slots);
    bad.set(`v/${v.name}`, tf.zeros([3]));
    expect(() => other.restore(1, bad)).toThrow(/has shape \[3\], expected \[2\]/);
    tf.dispose([g, v, ...slots.values(), ...bad.values()]);
    opt.dispose();
    other.dispose();
  });
});

describe('ema', () => {
  it('averages with the warm-up decay min(d, (1 + k)/(10 + k)) and swaps weights in and out', () => {
    const v = tf.variable(tf.scalar(0), true, 'ema-test');
    const avg = ema([v], 0.999);
    v.assign(tf.scalar(10));
    avg.update(); // k = 1: d = 2/11 → 2/11·0 + 9/11·10
    expect(avg.withAveraged(() => v.dataSync()[0])).toBeCloseTo(90 / 11, 4);
    expect(v.dataSync()[0]).toBe(10);
    avg.dispose();
    v.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm / ‖g‖ when the norm is larger, and reports the norm', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const { grads: out, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(Array.from(out['a']!.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(out['b']!.dataSync())[1]).toBeCloseTo(0.8, 5);
    tf.dispose(Object.values(out));
    const small = { a: tf.tensor1d([0.3]) };
    expect(clipByGlobalNorm(small, 1).grads).toBe(small);
    small.a.dispose();
  });
});
