import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { batchMatMul, selfAttention, type AttentionWeights } from './attention.js';
import { groupNorm } from './group_norm.js';

const randn = (shape: number[], seed: number, std = 1): tf.Tensor => tf.randomNormal(shape, 0, std, 'float32', seed);

describe('batchMatMul', () => {
  it('equals tf.matMul in value and gradients', () => {
    const a = randn([3, 4, 5], 1);
    const b = randn([3, 5, 2], 2);
    const dy = randn([3, 4, 2], 3);
    const ours = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor): tf.Tensor => batchMatMul(x as tf.Tensor3D, y as tf.Tensor3D))([a, b], dy);
    const theirs = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y))([a, b], dy);
    expect(relativeError(take(ours.value), take(theirs.value))).toBeLessThan(1e-6);
    ours.grads.forEach((g, k) => expect(relativeError(take(g), take(theirs.grads[k]!))).toBeLessThan(1e-6));
    tf.dispose([a, b, dy]);
  });
});

describe('selfAttention', () => {
  it('equals softmax(q kᵀ/√C) v written with einsum-free built-ins, in value and every gradient, without leaks', () => {
    const [b, h, w, c] = [2, 3, 2, 4];
    const x = randn([b, h, w, c], 1) as tf.Tensor4D;
    const tensors = [
      randn([c], 2, 0.1),
      randn([c], 3, 0.1),
      ...[4, 6, 8, 10].flatMap((s) => [randn([c, c], s, 0.5), randn([c], s + 1, 0.1)]),
    ];
    const dy = randn([b, h, w, c], 20);
    const norm = groupNorm(2);
    const weights = (ts: tf.Tensor[]): AttentionWeights => ({
      gamma: tf.add(1, ts[0]!) as tf.Tensor1D,
      beta: ts[1] as tf.Tensor1D,
      q: [ts[2] as tf.Tensor2D, ts[3] as tf.Tensor1D],
      k: [ts[4] as tf.Tensor2D, ts[5] as tf.Tensor1D],
      v: [ts[6] as tf.Tensor2D, ts[7] as tf.Tensor1D],
      out: [ts[8] as tf.Tensor2D, ts[9] as tf.Tensor1D],
    });
    const ours = (xx: tf.Tensor, ...ts: tf.Tensor[]): tf.Tensor => selfAttention(xx as tf.Tensor4D, weights(ts), norm);
    const plain = (xx: tf.Tensor, ...ts: tf.Tensor[]): tf.Tensor => {
      const p = weights(ts);
      const flat = tf.reshape(norm(xx as tf.Tensor4D, p.gamma, p.beta), [b, h * w, c]);
      const lin = ([m, bias]: readonly [tf.Tensor2D, tf.Tensor1D], z: tf.Tensor): tf.Tensor =>
        tf.add(tf.reshape(tf.matMul(tf.reshape(z, [-1, c]), m), [b, h * w, c]), bias);
      const scores = tf.div(tf.matMul(lin(p.q, flat), lin(p.k, flat), false, true), Math.sqrt(c));
      const mixed = tf.matMul(tf.softmax(scores), lin(p.v, flat));
      return tf.add(xx, tf.reshape(lin(p.out, mixed), [b, h, w, c]));
    };
    const got = expectNoLeaks(() => {
      const { value, grads } = tf.valueAndGrads(ours)([x, ...tensors], dy);
      return { value: take(value), grads: grads.map(take) };
    });
    const want = tf.valueAndGrads(plain)([x, ...tensors], dy);
    expect(relativeError(got.value, take(want.value))).toBeLessThan(1e-5);
    want.grads.forEach((g, k) => {
      const theirs = take(g);
      if (k === 6) {
        // b_k shifts every score of a query by the same q·b_k: softmax ignores it, ∂b_k = 0 exactly
        for (const v of [...theirs, ...got.grads[k]!]) expect(Math.abs(v)).toBeLessThan(1e-5);
      } else {
        expect(relativeError(got.grads[k]!, theirs), `input ${k}`).toBeLessThan(1e-4);
      }
    });
    tf.dispose([x, ...tensors, dy]);
  });
});
