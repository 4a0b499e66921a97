import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { conv2dSame } from './conv.js';
import { normSiluConv } from './norm_silu_conv.js';

const randn = (shape: number[], seed: number, mean = 0, std = 1): tf.Tensor => tf.randomNormal(shape, mean, std, 'float32', seed);

/**
 * The same stage the plain way: concatenate the blocks, group norm from built-in ops, x·σ(x),
 * conv2dSame (checked against im2col in conv.test.ts) on the full filter, bias added.
 */
function reference(parts: tf.Tensor4D[], gamma: tf.Tensor1D, beta: tf.Tensor1D, w: tf.Tensor4D, bias: tf.Tensor, groups: number): tf.Tensor {
  const x = parts.length === 1 ? (parts[0] as tf.Tensor4D) : (tf.concat(parts, 3) as tf.Tensor4D);
  const [b, h, wd, c] = x.shape;
  const xr = tf.reshape(x, [b, h * wd, groups, c / groups]);
  const { mean, variance } = tf.moments(xr, [1, 3], true);
  const u = tf.add(tf.mul(tf.reshape(tf.div(tf.sub(xr, mean), tf.sqrt(tf.add(variance, 1e-6))), x.shape), gamma), beta);
  const co = w.shape[3];
  const y = conv2dSame(tf.mul(u, tf.sigmoid(u)) as tf.Tensor4D, w, tf.zeros([co]));
  return bias.rank === 1 ? tf.add(y, bias) : tf.add(y, tf.reshape(bias, [b, 1, 1, co]));
}

describe('normSiluConv', () => {
  const cases = [
    { label: 'one block, shared bias [Co]', sizes: [4], groups: 2, perSample: false },
    { label: 'two blocks whose groups straddle the boundary, bias [B, Co]', sizes: [4, 2], groups: 2, perSample: true },
    { label: 'three blocks, shared bias', sizes: [2, 3, 1], groups: 3, perSample: false },
  ];
  for (const { label, sizes, groups, perSample } of cases) {
    it(`${label}: value and every gradient equal the concatenated reference, without leaks`, () => {
      const [b, h, w, co] = [2, 5, 4, 3];
      const c = sizes.reduce((s, k) => s + k, 0);
      const parts = sizes.map((ck, k) => randn([b, h, w, ck], 10 + k, 0.3 * k, 1 + k) as tf.Tensor4D);
      const gamma = randn([c], 1, 1, 0.2) as tf.Tensor1D;
      const beta = randn([c], 2, 0, 0.5) as tf.Tensor1D;
      const weight = randn([3, 3, c, co], 3, 0, 0.3) as tf.Tensor4D;
      const bias = randn(perSample ? [b, co] : [co], 4);
      const dy = randn([b, h, w, co], 5);
      const op = normSiluConv(groups);
      const n = sizes.length;
      const fused = (...ins: tf.Tensor[]): tf.Tensor => {
        const ps = ins.slice(0, n) as tf.Tensor4D[];
        const [g, be, wt, bi] = ins.slice(n) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D | tf.Tensor2D];
        let offset = 0;
        const ws = sizes.map((ck) => {
          const s = tf.slice(wt, [0, 0, offset, 0], [3, 3, ck, co]) as tf.Tensor4D;
          offset += ck;
          return s;
        });
        return op(ps, g, be, ws, bi);
      };
      const plain = (...ins: tf.Tensor[]): tf.Tensor => {
        const [g, be, wt, bi] = ins.slice(n) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor4D, tf.Tensor];
        return reference(ins.slice(0, n) as tf.Tensor4D[], g, be, wt, bi, groups);
      };
      const inputs = [...parts, gamma, beta, weight, bias];
      const ours = expectNoLeaks(() => {
        const { value, grads } = tf.valueAndGrads(fused)(inputs, dy);
        return { value: take(value), grads: grads.map(take) };
      });
      const theirs = tf.valueAndGrads(plain)(inputs, dy);
      expect(relativeError(ours.value, take(theirs.value))).toBeLessThan(1e-5);
      const names = [...sizes.map((_, k) => `x${k}`), 'γ', 'β', 'w', 'b'];
      theirs.grads.forEach((g, k) => expect(relativeError(ours.grads[k]!, take(g)), names[k]).toBeLessThan(1e-4));
      tf.dispose([...inputs, dy]);
    });
  }

  it('rejects inconsistent blocks with a RangeError listing the shapes', () => {
    const x = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    const g = tf.ones([4]) as tf.Tensor1D;
    const w = tf.zeros([3, 3, 3, 2]) as tf.Tensor4D;
    const b = tf.zeros([2]) as tf.Tensor1D;
    expect(() => normSiluConv(2)([x], g, g, [w], b)).toThrow(/got parts \[1, 2, 2, 4\], γ \[4\], β \[4\], weights \[3, 3, 3, 2\]/);
    const w4 = tf.zeros([3, 3, 4, 2]) as tf.Tensor4D;
    expect(() => normSiluConv(3)([x], g, g, [w4], b)).toThrow(/Σ C_k divisible by 3 groups/);
    expect(() => normSiluConv(2)([x], g, g, [w4], tf.zeros([3, 2]) as tf.Tensor2D)).toThrow(RangeError);
    tf.dispose([x, g, w, b, w4]);
  });
});
