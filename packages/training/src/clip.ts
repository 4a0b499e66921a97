import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient-norm clipping on the gradients laid end to end as one vector g [P] (the global norm of
 * several tensors is the norm of their concatenation — `FlatLayout.flatten`): with n = ‖g‖₂, g is
 * scaled by min(1, maxNorm / n) (maxNorm 0 = off). Returns n and the clipped vector: `g` itself
 * when nothing is scaled (n ≤ maxNorm, clipping off, or n not finite), otherwise a new tensor, and
 * `g` is disposed. n is one float32 sum of squares in index order (3 kernels and one read).
 */
export function clipByGlobalNorm(g: tf.Tensor, maxNorm: number): { grad: tf.Tensor; norm: number } {
  const normTensor = tf.tidy(() => tf.sqrt(tf.sum(tf.square(g))));
  const norm = normTensor.dataSync()[0] as number;
  normTensor.dispose();
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grad: g, norm };
  const clipped = tf.mul(g, maxNorm / norm);
  g.dispose();
  return { grad: clipped, norm };
}
