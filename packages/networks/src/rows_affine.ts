import * as tf from '@tensorflow/tfjs-core';

/**
 * y = x·W + b for a batch of rows held as [1, B, in], as one `_FusedMatMul` kernel: the affine map
 * of the tape-free forward passes (issue 27: the main job's iteration is bound by kernel dispatch).
 *
 * `tf.fused.matMul` on [B, in]·[in, out] costs five engine calls for its one kernel: it reshapes both
 * operands to rank 3, wraps the kernel in a custom gradient and reshapes the result back. A forward
 * pass that keeps its activations as [1, B, n] and its weights as [1, in, out] views hands the
 * kernel its rank-3 operands directly: one engine call, the same kernel on the same data, so the
 * result is bit-identical to `tf.fused.matMul`'s (tested). Under a gradient tape, where the custom
 * gradient is needed, it calls `tf.fused.matMul` (same result, differentiable).
 *
 * @param x [1, B, in]  @param w [1, in, out]  @param b [out]
 * @returns [1, B, out]
 */
export function rowsAffine(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor1D): tf.Tensor3D {
  if (x.rank !== 3 || w.rank !== 3 || x.shape[0] !== 1 || w.shape[0] !== 1 || x.shape[2] !== w.shape[1]) {
    throw new RangeError(`rowsAffine: x must be [1, B, in] and w [1, in, out], got x [${x.shape.join(', ')}] and w [${w.shape.join(', ')}]`);
  }
  if (b.rank !== 1 || b.shape[0] !== w.shape[2]) throw new RangeError(`rowsAffine: b must be [${w.shape[2]}], got [${b.shape.join(', ')}]`);
  if (tf.engine().state.gradientDepth > 0) return tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor3D;
  return tf.engine().runKernel(tf._FusedMatMul, { a: x, b: w, bias: b }, { transposeA: false, transposeB: false, activation: 'linear' }) as tf.Tensor3D;
}

/** The [1, B, n] view of a [B, n] tensor, for {@link rowsAffine} (shares its data; one Reshape kernel). */
export function asRows(m: tf.Tensor): tf.Tensor3D {
  if (m.rank !== 2) throw new RangeError(`asRows: m must be [B, n], got [${m.shape.join(', ')}]`);
  return tf.reshape(m, [1, m.shape[0] as number, m.shape[1] as number]);
}
