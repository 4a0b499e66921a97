import * as tf from '@tensorflow/tfjs-core';

/**
 * Widest side at which a product is done with matMul's transpose flag rather than an explicit
 * transpose. On wasm a flagged matMul runs a plain blocked loop (~8–16× slower per multiply–add
 * than XNNPACK, see perf notes), but XNNPACK needs an explicit transpose (a [B, h] copy) and packs
 * its right operand on every call with a fresh tensor; for a product with a thin side (an output
 * dimension D ≤ 8, a single row) the loop does fewer memory passes and wins.
 */
const THIN = 8;

/** Σ_rows m = 1ᵀ m as a flagged matMul: [B, n] → [n] (wasm's axis-0 Sum transposes first). */
export function columnSum(m: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([m.shape[0], 1]), m, true, false), [m.shape[1]]) as tf.Tensor1D);
}

/**
 * The dense layer y = x W + b with its gradient written out:
 *   ∂x = dy · Wᵀ,  ∂W = xᵀ · dy,  ∂b = Σ_rows dy.
 * The transposes are explicit ops followed by plain matMuls: tfjs's built-in matMul gradient uses
 * the transposeA/transposeB flags, which the wasm backend runs ~8–16× slower than a transpose
 * followed by a plain matMul (see perf notes) — except for thin products (a dimension ≤ THIN = 8).
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
      const thin = Math.min(xs.shape[0], ws.shape[0], ws.shape[1]) <= THIN;
      const dw = thin ? tf.matMul(xs, dy2, true, false) : tf.matMul(tf.transpose(xs), dy2);
      return [tf.matMul(dy2, tf.transpose(ws)), dw, columnSum(dy2)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
