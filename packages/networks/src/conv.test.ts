import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { conv2dSame, rowSum, samePadding } from './conv.js';

/**
 * An independent convolution: pad as TensorFlow's 'same', gather the K·K' shifted (and strided)
 * windows with slices, one matMul. Only built-in ops, so tfjs autodiff gives its gradient.
 */
function im2colConv(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: number): tf.Tensor4D {
  const [n, h, wd, ci] = x.shape;
  const [k, kw, , co] = w.shape;
  const ph = samePadding(h, k, stride);
  const pw = samePadding(wd, kw, stride);
  // extra zeros at the end so every window slice spans stride·out rows before subsampling
  const xp = tf.pad(x, [[0, 0], [ph.before, ph.after + stride], [pw.before, pw.after + stride], [0, 0]]);
  const windows: tf.Tensor[] = [];
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < kw; dx++) {
      const win = tf.slice(xp, [0, dy, dx, 0], [n, stride * ph.out, stride * pw.out, ci]);
      const sub = tf.slice(tf.reshape(win, [n, ph.out, stride, pw.out, stride, ci]), [0, 0, 0, 0, 0, 0], [n, ph.out, 1, pw.out, 1, ci]);
      windows.push(tf.reshape(sub, [n * ph.out * pw.out, ci]));
    }
  }
  const cols = tf.concat(windows, 1);
  return tf.reshape(tf.add(tf.matMul(cols, tf.reshape(w, [k * kw * ci, co])), b), [n, ph.out, pw.out, co]);
}

const randn = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('samePadding', () => {
  it('follows TensorFlow: ⌈n/s⌉ outputs, the odd zero after', () => {
    expect(samePadding(32, 3, 1)).toEqual({ out: 32, before: 1, after: 1 });
    expect(samePadding(32, 3, 2)).toEqual({ out: 16, before: 0, after: 1 });
    expect(samePadding(7, 3, 2)).toEqual({ out: 4, before: 1, after: 1 });
    expect(samePadding(8, 1, 1)).toEqual({ out: 8, before: 0, after: 0 });
  });
});

describe('conv2dSame', () => {
  const cases: [string, number[], number[], number][] = [
    ['3×3 stride 1', [2, 6, 5, 3], [3, 3, 3, 4], 1],
    ['3×3 stride 2, even size', [2, 8, 8, 3], [3, 3, 3, 2], 2],
    ['3×3 stride 2, odd size', [2, 7, 5, 2], [3, 3, 2, 3], 2],
    ['1×1', [3, 4, 4, 5], [1, 1, 5, 2], 1],
  ];
  for (const [label, xShape, wShape, stride] of cases) {
    it(`${label}: value and gradients (x, w, b) equal im2col + matMul under autodiff, without leaks`, () => {
      const x = randn(xShape, 1) as tf.Tensor4D;
      const w = randn(wShape, 2) as tf.Tensor4D;
      const b = randn([wShape[3] as number], 3) as tf.Tensor1D;
      const ref = tf.tidy(() => im2colConv(x, w, b, stride));
      const dy = randn(ref.shape, 4);
      const ours = expectNoLeaks(() => {
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor =>
          conv2dSame(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D, stride),
        )([x, w, b], dy);
        return { value: take(value), grads: grads.map(take) };
      });
      const theirs = tf.valueAndGrads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor =>
        im2colConv(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D, stride),
      )([x, w, b], dy);
      expect(relativeError(ours.value, take(theirs.value))).toBeLessThan(1e-5);
      theirs.grads.forEach((g, k) => expect(relativeError(ours.grads[k]!, take(g)), `input ${k}`).toBeLessThan(1e-5));
      tf.dispose([x, w, b, ref, dy]);
    });
  }

  it('rejects mismatched shapes with a RangeError naming them', () => {
    const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
    const b = tf.zeros([4]) as tf.Tensor1D;
    expect(() => conv2dSame(x, w, b)).toThrow(RangeError);
    expect(() => conv2dSame(x, w, b)).toThrow(/x \[1, 4, 4, 3\], w \[3, 3, 2, 4\]/);
    expect(() => conv2dSame(x, w, b, 0)).toThrow(/stride must be an integer ≥ 1/);
    tf.dispose([x, w, b]);
  });
});

describe('rowSum', () => {
  it('sums the rows of [R, C] and, per sample, the positions of [B, N, C]', () => {
    const m = randn([5, 3], 9) as tf.Tensor2D;
    const m3 = randn([2, 4, 3], 10) as tf.Tensor3D;
    expect(relativeError(take(rowSum(m)), take(tf.sum(m, 0)))).toBeLessThan(1e-6);
    expect(relativeError(take(rowSum(m3)), take(tf.sum(m3, 1)))).toBeLessThan(1e-6);
    tf.dispose([m, m3]);
  });
});
