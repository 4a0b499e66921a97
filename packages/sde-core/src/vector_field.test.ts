import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { applyField, checkFieldOutput, checkFinite, NonFiniteFieldError, setFiniteChecks, type VectorField } from './vector_field.js';

/** A parameter-free field x ↦ x · k(t). */
const scaled = (name: string, k: (t: number) => number): VectorField => ({
  name,
  parameters: [],
  parameterCount: 0,
  apply: (x, t) => tf.tidy(() => (typeof t === 'number' ? tf.mul(x, k(t)) : tf.mul(x, tf.reshape(tf.tensor1d(Array.from(t.dataSync(), k)), [-1, 1])))),
  dispose: () => undefined,
});

describe('applyField', () => {
  it('returns a finite output of the shape of x unchanged', () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const out = expectNoLeaks(() => {
      const y = applyField(scaled('f', () => 2), 'drift', x, 0.5);
      const values = Array.from(y.dataSync());
      y.dispose();
      return values;
    });
    expect(out).toEqual([2, 4, 6, 8]);
    x.dispose();
  });

  it('throws NonFiniteFieldError naming the role, the field, t, the step and the first bad row; leaks nothing', () => {
    const x = tf.tensor2d([1, 2, 0, 4], [2, 2]);
    const f = scaled('mine', (t) => (t > 0.3 ? 1 / 0 : 1)); // 0·∞ = NaN in row 1, ∞ in row 0
    let error: unknown;
    expectNoLeaks(() => {
      try {
        applyField(f, 'score', x, 0.5, 7);
      } catch (e) {
        error = e;
      }
    });
    expect(error).toBeInstanceOf(NonFiniteFieldError);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ name: 'NonFiniteFieldError', field: 'mine', role: 'score', t: 0.5, step: 7, part: 'value', value: Infinity, row: 0 });
    expect((error as Error).message).toMatch(/^the score field 'mine' returned Infinity \(row 0\) at t = 0\.5, step 7: a field must be finite everywhere/);
    x.dispose();
  });

  it('with one time per row, names the time of the first bad row', () => {
    const x = tf.ones([3, 2]);
    const t = tf.tensor1d([0.1, 0.2, 0.9]);
    let error: NonFiniteFieldError | undefined;
    expectNoLeaks(() => {
      try {
        applyField(scaled('f', (s) => (s > 0.5 ? Number.NaN : 1)), 'ε', x, t);
      } catch (e) {
        error = e as NonFiniteFieldError;
      }
    });
    expect(error?.row).toBe(2);
    expect(error?.t).toBeCloseTo(0.9, 6);
    expect(error?.step).toBeUndefined();
    expect(error?.message).toMatch(/the ε field 'f' returned NaN \(row 2\) at t = [\d.]+: /);
    tf.dispose([x, t]);
  });

  it('still names a wrong shape with a RangeError first', () => {
    const x = tf.ones([2, 2]);
    const narrow: VectorField = { ...scaled('narrow', () => 1), apply: (v) => tf.slice(v, [0, 0], [-1, 1]) };
    expectNoLeaks(() => {
      expect(() => applyField(narrow, 'drift', x, 0)).toThrow(/the drift field 'narrow' maps x of shape \[2, 2\] to \[2, 1\]/);
    });
    x.dispose();
  });
});

describe('checkFinite / checkFieldOutput', () => {
  it('names a pull-back as such, and checkFieldOutput without a call checks the shape only', () => {
    const x = tf.ones([2, 2]);
    const bad = tf.tensor2d([1, 1, 1, -Infinity], [2, 2]);
    expect(() => checkFinite({ name: 'net' }, 'drift', bad, { t: 0.25, step: 3, part: 'pull-back' })).toThrow(
      /^the drift field 'net' has a pull-back of -Infinity \(row 1\) at t = 0\.25, step 3/,
    );
    expect(() => checkFieldOutput({ name: 'net' }, 'drift', x, bad)).not.toThrow();
    expect(() => checkFieldOutput({ name: 'net' }, 'drift', x, bad, { t: 0 })).toThrow(NonFiniteFieldError);
    // large finite values are not mistaken for overflow: Σ(v·0) is exactly 0
    const big = tf.fill([1000, 2], 3e38);
    expect(() => checkFinite({ name: 'net' }, 'drift', big, { t: 0 })).not.toThrow();
    tf.dispose([x, bad, big]);
  });
});

describe('setFiniteChecks', () => {
  it('turns the finiteness check off and on again (shape checks stay), returning the previous setting', () => {
    const x = tf.ones([2, 2]);
    const nan = scaled('f', () => Number.NaN);
    expect(setFiniteChecks(false)).toBe(true);
    try {
      const out = applyField(nan, 'drift', x, 0);
      expect(Number.isNaN(out.dataSync()[0]!)).toBe(true);
      out.dispose();
    } finally {
      expect(setFiniteChecks(true)).toBe(false);
    }
    expect(() => applyField(nan, 'drift', x, 0)).toThrow(NonFiniteFieldError);
    x.dispose();
  });
});

describe('NonFiniteFieldError of a non-finite input', () => {
  it('names the x the field was given, not the field, when x is what is non-finite', () => {
    const x = tf.tensor2d([1, 2, 3, Number.NaN], [2, 2]);
    let error: NonFiniteFieldError | undefined;
    expectNoLeaks(() => {
      try {
        applyField(scaled('mlp', () => 1), 'drift', x, 0.25, 2);
      } catch (e) {
        error = e as NonFiniteFieldError;
      }
    });
    expect(error).toMatchObject({ part: 'input', row: 1, step: 2, t: 0.25 });
    expect(error?.message).toMatch(/^the drift field 'mlp' was given x with NaN \(row 1\) at t = 0\.25, step 2: the data, or the state an earlier step made, is not finite$/);
    expect(error?.what).toBe("x given to the drift field 'mlp' (NaN, row 1, t = 0.25, step 2)");
    x.dispose();
  });
});
