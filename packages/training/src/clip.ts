import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient-norm clipping: with n = √(Σ_k ‖g_k‖²) over all tensors, every gradient is scaled by
 * min(1, maxNorm / n). Returns the new gradients (the inputs are disposed) and n.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: number } {
  const names = Object.keys(grads);
  const normTensor = tf.tidy(() => tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k] as tf.Tensor))))));
  const norm = normTensor.dataSync()[0] as number;
  normTensor.dispose();
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grads, norm };
  const scale = maxNorm / norm;
  const clipped: tf.NamedTensorMap = {};
  for (const k of names) {
    clipped[k] = tf.mul(grads[k] as tf.Tensor, scale);
    (grads[k] as tf.Tensor).dispose();
  }
  return { grads: clipped, norm };
}
