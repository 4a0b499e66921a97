import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError } from '@diffflow/test-utils';
import { adam } from './adam.js';

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

  it('a variable without a gradient keeps its value and moments; the step count still advances', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const opt = adam([a, b]);
    const g = { [a.name]: tf.tensor1d([1, -1]), [b.name]: tf.tensor1d([2]) };
    opt.apply(g, 0.1);
    const before = opt.state();
    const bBefore = Array.from(b.dataSync());
    expectNoLeaks(() => opt.apply({ [a.name]: g[a.name] as tf.Tensor }, 0.1));
    const after = opt.state();
    expect(opt.step).toBe(2);
    expect(Array.from(b.dataSync())).toEqual(bBefore);
    for (const key of [`m/${b.name}`, `v/${b.name}`]) expect(Array.from(after.slots.get(key)!.dataSync())).toEqual(Array.from(before.slots.get(key)!.dataSync()));
    expect(Array.from(after.slots.get(`m/${a.name}`)!.dataSync())).not.toEqual(Array.from(before.slots.get(`m/${a.name}`)!.dataSync()));
    tf.dispose([a, b, ...Object.values(g), ...before.slots.values(), ...after.slots.values()]);
    opt.dispose();
  });

  it('is loud about a gradient of no variable and a flat vector of the wrong size, and leaks nothing then', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const opt = adam([a]);
    const g = { nope: tf.tensor1d([1, 1]) };
    const short = tf.zeros([3]);
    const right = tf.zeros([2]);
    expectNoLeaks(() => {
      expect(() => opt.apply(g, 0.1)).toThrow("flatLayout: 'nope' is not one of the 1 variables");
    });
    expectNoLeaks(() => {
      expect(() => opt.applyFlat(short, 0.1)).toThrow('adam.applyFlat: g must have P = 2 entries, got shape [3]');
    });
    expectNoLeaks(() => {
      expect(() => opt.applyFlat(right, 0.1, [true, false])).toThrow('adam.applyFlat: present must hold one flag per variable (1), got 2');
    });
    expect(opt.step).toBe(0);
    tf.dispose([a, g.nope, short, right]);
    opt.dispose();
  });
});
