import * as tf from '@tensorflow/tfjs-core';
import type { GroupNorm } from './group_norm.js';
import { pointwise } from './pointwise.js';

/**
 * Batched matrix product c = a · b with its gradient written as explicit transposes and plain
 * matMuls: ∂a = dy · bᵀ, ∂b = aᵀ · dy (tfjs's built-in gradient sets the transpose flags, which the
 * wasm backend runs many times slower).
 * @param a [B, N, K]  @param b [B, K, M]  @returns [B, N, M]
 */
export const batchMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      // tfjs runs gradFunc outside any tidy: without this, every intermediate lives to the end of backprop
      tf.tidy(() => {
        const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
        const d = dy as tf.Tensor3D;
        return [tf.matMul(d, tf.transpose(bs, [0, 2, 1])), tf.matMul(tf.transpose(as, [0, 2, 1]), d)];
      }),
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/** The parameters of one self-attention block over C channels. */
export interface AttentionWeights {
  /** Group-norm scale and shift: [C] each. */
  readonly gamma: tf.Tensor1D;
  readonly beta: tf.Tensor1D;
  /** Query, key, value and output projections: [C, C] weights, [C] biases. */
  readonly q: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly k: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly v: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly out: readonly [tf.Tensor2D, tf.Tensor1D];
}

/**
 * Single-head self-attention over the H·W positions, with a residual connection (DDPM's AttnBlock):
 *   h = GN(x),  q, k, v = h W_q + b_q, h W_k + b_k, h W_v + b_v,  a = softmax(q kᵀ / √C),
 *   y = x + (a v) W_o + b_o.
 * The key bias b_k only adds q·b_k to a whole row of scores, which softmax ignores: its gradient is
 * exactly 0. It is kept for parity with DDPM (and its parameter count).
 * @param x [B, H, W, C]  @returns [B, H, W, C]
 */
export function selfAttention(x: tf.Tensor4D, p: AttentionWeights, norm: GroupNorm): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const n = h * w;
  const flat = tf.reshape(norm(x, p.gamma, p.beta), [b * n, c]) as tf.Tensor2D;
  const project = ([weight, bias]: readonly [tf.Tensor2D, tf.Tensor1D], input: tf.Tensor2D): tf.Tensor3D =>
    tf.reshape(pointwise([input], [weight], bias), [b, n, c]) as tf.Tensor3D;
  const q = tf.mul(project(p.q, flat), 1 / Math.sqrt(c)) as tf.Tensor3D;
  const kt = tf.transpose(project(p.k, flat), [0, 2, 1]) as tf.Tensor3D;
  const weights = tf.softmax(batchMatMul(q, kt)) as tf.Tensor3D; // [B, N, N]
  const mixed = tf.reshape(batchMatMul(weights, project(p.v, flat)), [b * n, c]) as tf.Tensor2D;
  return tf.add(x, tf.reshape(project(p.out, mixed), [b, h, w, c]));
}
