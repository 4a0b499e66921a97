import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { flatLayout } from './flat_layout.js';

const cleanup: tf.Tensor[] = [];
/** The entries of the tensor `make` returns, asserting that making it leaked nothing else. */
const entriesOf = (make: () => tf.Tensor): number[] =>
  expectNoLeaks(() => {
    const t = make();
    const entries = Array.from(t.dataSync());
    t.dispose();
    return entries;
  });
afterEach(() => tf.dispose(cleanup.splice(0)));

/** w [2, 3] = 1…6 and b [2] = 7, 8. */
function twoVariables(): [tf.Variable, tf.Variable] {
  const w = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]));
  const b = tf.variable(tf.tensor1d([7, 8]));
  cleanup.push(w, b);
  return [w, b];
}

describe('flatLayout', () => {
  it('lays the variables end to end in list order and splits back into their shapes', () => {
    const [w, b] = twoVariables();
    const layout = flatLayout([w, b]);
    expect({ names: layout.names, sizes: layout.sizes, size: layout.size }).toEqual({ names: [w.name, b.name], sizes: [6, 2], size: 8 });
    const values = entriesOf(() => layout.values());
    expect(values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const flat = tf.range(10, 18);
    cleanup.push(flat);
    const pieces = expectNoLeaks(() =>
      layout.split(flat).map((t) => {
        const piece = { shape: t.shape, values: Array.from(t.dataSync()) };
        t.dispose();
        return piece;
      }),
    );
    expect(pieces).toEqual([
      { shape: [2, 3], values: [10, 11, 12, 13, 14, 15] },
      { shape: [2], values: [16, 17] },
    ]);
  });

  it('flatten puts zeros where a variable has no entry, present says which have one', () => {
    const [w, b] = twoVariables();
    const layout = flatLayout([w, b]);
    const byName = { [b.name]: tf.tensor1d([-1, -2]) };
    cleanup.push(...Object.values(byName));
    expect(entriesOf(() => layout.flatten(byName))).toEqual([0, 0, 0, 0, 0, 0, -1, -2]);
    expect(layout.present(byName)).toEqual([false, true]);
    // runs of missing variables at the start, in the middle and at the end
    const c = tf.variable(tf.tensor1d([9]));
    const d = tf.variable(tf.tensor1d([10, 11]));
    cleanup.push(c, d);
    const four = flatLayout([w, c, b, d]);
    expect(entriesOf(() => four.flatten(byName))).toEqual([0, 0, 0, 0, 0, 0, 0, -1, -2, 0, 0]);
    const onlyW = { [w.name]: tf.ones([2, 3]) };
    cleanup.push(...Object.values(onlyW));
    expect(entriesOf(() => four.flatten(onlyW))).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(four.present(onlyW)).toEqual([true, false, false, false]);
  });

  it('assign writes every variable from one vector', () => {
    const [w, b] = twoVariables();
    const layout = flatLayout([w, b]);
    const flat = tf.mul(tf.range(0, 8), -1);
    cleanup.push(flat);
    expectNoLeaks(() => layout.assign(flat));
    expect(Array.from(w.dataSync())).toEqual([-0, -1, -2, -3, -4, -5]);
    expect(w.shape).toEqual([2, 3]);
    expect(Array.from(b.dataSync())).toEqual([-6, -7]);
  });

  it('is loud about unknown names, wrong sizes, other dtypes and shared names, and leaks nothing when it throws', () => {
    const [w, b] = twoVariables();
    const layout = flatLayout([w, b]);
    const wrong = { [b.name]: tf.zeros([3]) };
    const unknown = { nope: tf.zeros([2]) };
    const short = tf.zeros([7]);
    cleanup.push(wrong[b.name] as tf.Tensor, unknown.nope, short);
    expectNoLeaks(() => {
      expect(() => layout.flatten(wrong)).toThrow(`flatLayout: '${b.name}' has 3 entries, the variable has 2`);
    });
    expectNoLeaks(() => {
      expect(() => layout.present(unknown)).toThrow("flatLayout: 'nope' is not one of the 2 variables");
    });
    expectNoLeaks(() => {
      expect(() => layout.assign(short)).toThrow('flatLayout: a flat vector must have P = 8 entries, got shape [7]');
    });
    const ints = tf.variable(tf.tensor1d([1], 'int32'));
    cleanup.push(ints);
    expect(() => flatLayout([w, ints])).toThrow(`flatLayout: variable ${ints.name} is int32, only float32 is allowed`);
    expect(() => flatLayout([w, w])).toThrow('flatLayout: two variables share a name');
  });

  it('an empty list is the empty vector', () => {
    const layout = flatLayout([]);
    expect(layout.size).toBe(0);
    expect(entriesOf(() => layout.values())).toEqual([]);
    const empty = tf.zeros([0]);
    cleanup.push(empty);
    expect(layout.split(empty)).toEqual([]);
  });
});
