import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient-norm clipping on the gradients laid end to end as one vector g [P] (the global norm of
 * several tensors is the norm of their concatenation — `FlatLayout.flatten`): with n = ‖g‖₂, g is
 * scaled by min(1, maxNorm / n) (maxNorm 0 = off). Returns n and the clipped vector: `g` itself
 * when nothing is scaled (n ≤ maxNorm, clipping off, or n not finite), otherwise a new tensor, and
 * `g` is disposed.
 *
 * n is summed in float64 from g's float32 entries, read back once: within one float32 rounding of
 * the exact norm whatever P (a float32 sum over P = 50,564 entries in index order was off by up to
 * 7e-5 relative), the same on every backend, and not infinite for finite entries whose float32
 * square would overflow (|g_i| > 1.8e19).
 */
export function clipByGlobalNorm(g: tf.Tensor, maxNorm: number): { grad: tf.Tensor; norm: number } {
  const values = g.dataSync();
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    sumOfSquares += x * x;
  }
  const norm = Math.sqrt(sumOfSquares);
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grad: g, norm };
  const clipped = tf.mul(g, maxNorm / norm);
  g.dispose();
  return { grad: clipped, norm };
}
