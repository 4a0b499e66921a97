import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { ema } from './ema.js';

const cleanup: tf.Tensor[] = [];
afterEach(() => tf.dispose(cleanup.splice(0)));

describe('ema', () => {
  it('averages with the warm-up decay min(d, (1 + k)/(10 + k)) and swaps weights in and out', () => {
    const v = tf.variable(tf.scalar(0), true, 'ema-test');
    cleanup.push(v);
    const avg = ema([v], 0.999);
    v.assign(tf.scalar(10));
    avg.update(); // k = 1: d = 2/11 → 2/11·0 + 9/11·10
    expect(avg.withAveraged(() => v.dataSync()[0])).toBeCloseTo(90 / 11, 4);
    expect(v.dataSync()[0]).toBe(10);
    avg.dispose();
  });

  it('update(current) with the flat weights is bit for bit update() reading the variables', () => {
    const a = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
    const b = tf.variable(tf.tensor1d([-1, 0.5]));
    cleanup.push(a, b);
    const fromVariables = ema([a, b], 0.9);
    const fromFlat = ema([a, b], 0.9);
    for (const k of [1, 2, 3]) {
      a.assign(tf.tensor2d([1, 2, 3, 4].map((x) => x / k + 0.1), [2, 2]));
      b.assign(tf.tensor1d([-1 / k, 0.5 * k]));
      fromVariables.update();
      const current = tf.concat([tf.reshape(a, [-1]), b]);
      expectNoLeaks(() => fromFlat.update(current));
      current.dispose();
    }
    const read = (m: Map<string, tf.Tensor>): number[][] => [...m.values()].map((t) => Array.from(t.dataSync()));
    const s1 = fromVariables.shadows();
    const s2 = fromFlat.shadows();
    expect(read(s2)).toEqual(read(s1));
    expect([...s2.values()].map((t) => t.shape)).toEqual([[2, 2], [2]]);
    const bad = tf.zeros([5]);
    expect(() => fromFlat.update(bad)).toThrow('ema.update: current must have P = 6 entries, got shape [5]');
    expect(fromFlat.updates).toBe(3);
    tf.dispose([bad, ...s1.values(), ...s2.values()]);
    fromVariables.dispose();
    fromFlat.dispose();
  });

  it('restores the shadows written by shadows() and rejects a missing or wrong-shaped one', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    cleanup.push(a);
    const avg = ema([a], 0.5);
    a.assign(tf.tensor1d([3, 4]));
    avg.update();
    const saved = avg.shadows();
    const other = ema([a], 0.5);
    expectNoLeaks(() => other.restore(avg.updates, saved));
    expect(other.withAveraged(() => Array.from(a.dataSync()))).toEqual(avg.withAveraged(() => Array.from(a.dataSync())));
    expect(() => other.restore(1, new Map())).toThrow(`ema.restore: missing shadow of ${a.name}`);
    const wrong = new Map([[a.name, tf.zeros([3])]]);
    expect(() => other.restore(1, wrong)).toThrow(`ema.restore: shadow of ${a.name} has shape [3], expected [2]`);
    tf.dispose([...saved.values(), ...wrong.values()]);
    avg.dispose();
    other.dispose();
  });
});
