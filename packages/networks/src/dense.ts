import * as tf from '@tensorflow/tfjs-core';

/**
 * The dense layer y = x W + b with its gradient written out:
 *   ∂x = dy · Wᵀ,  ∂W = xᵀ · dy,  ∂b = Σ_rows dy.
 * The transposes are explicit ops followed by plain matMuls: tfjs's built-in matMul gradient uses
 * the transposeA/transposeB flags, which the wasm backend runs ~8–16× slower than a transpose
 * followed by a plain matMul (see perf notes).
 *
 * @param x [B, in]  @param w [in, out]  @param b [out]
 * @returns [B, out]
 */
export const dense = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy2), tf.sum(dy2, 0)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
