import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { asRows, rowsAffine } from './rows_affine.js';

const uniform = (shape: number[], seed: number): tf.Tensor => tf.randomUniform(shape, -1, 1, 'float32', seed);

describe('rowsAffine', () => {
  it('equals tf.fused.matMul on the 2-D operands bit for bit, as one kernel, without leaks', async () => {
    const x = uniform([37, 64], 1) as tf.Tensor2D;
    const w = uniform([64, 48], 2) as tf.Tensor2D;
    const b = uniform([48], 3) as tf.Tensor1D;
    const x3 = asRows(x);
    const w3 = asRows(w);
    const ours = expectNoLeaks(() => take(rowsAffine(x3, w3, b)));
    const fused = take(tf.fused.matMul({ a: x, b: w, bias: b }));
    expect(ours).toEqual(fused);
    const profile = await tf.profile(() => rowsAffine(x3, w3, b).dispose());
    expect(profile.kernels.map((k) => k.name)).toEqual(['_FusedMatMul']);
    tf.dispose([x, w, b, x3, w3]);
  });

  it('is differentiable under a gradient tape (the same value and gradients as tf.fused.matMul)', () => {
    const x3 = uniform([1, 5, 3], 4) as tf.Tensor3D;
    const w3 = uniform([1, 3, 2], 5) as tf.Tensor3D;
    const b = uniform([2], 6) as tf.Tensor1D;
    const loss = (f: (x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor1D) => tf.Tensor) => (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.square(f(x as tf.Tensor3D, w as tf.Tensor3D, c as tf.Tensor1D)));
    const ours = expectNoLeaks(() => tf.grads(loss(rowsAffine))([x3, w3, b]).map(take));
    const fused = tf.grads(loss((x, w, c) => tf.fused.matMul({ a: x, b: w, bias: c })))([x3, w3, b]).map(take);
    expect(ours).toEqual(fused);
    tf.dispose([x3, w3, b]);
  });

  it('rejects operands that are not [1, B, in]·[1, in, out] + [out], naming them', () => {
    const x = tf.zeros([4, 3]);
    const x3 = tf.zeros([1, 4, 3]);
    const w3 = tf.zeros([1, 3, 2]);
    const b = tf.zeros([2]);
    expect(() => rowsAffine(x as unknown as tf.Tensor3D, w3 as tf.Tensor3D, b as tf.Tensor1D)).toThrow(/x must be \[1, B, in\].*got x \[4, 3\]/);
    const narrow = tf.zeros([1, 2, 2]);
    const long = tf.zeros([3]);
    expect(() => rowsAffine(x3 as tf.Tensor3D, narrow as tf.Tensor3D, b as tf.Tensor1D)).toThrow(/w \[1, 2, 2\]/);
    expect(() => rowsAffine(x3 as tf.Tensor3D, w3 as tf.Tensor3D, long as tf.Tensor1D)).toThrow(/b must be \[2\], got \[3\]/);
    tf.dispose([x, x3, w3, b, narrow, long]);
  });
});
