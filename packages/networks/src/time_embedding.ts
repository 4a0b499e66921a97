import * as tf from '@tensorflow/tfjs-core';

/**
 * Sinusoidal time embedding (Transformer / DDPM), of even width d = 2h:
 *   e(t) = [sin(s t ω_0), …, sin(s t ω_{h−1}), cos(s t ω_0), …, cos(s t ω_{h−1})],
 *   ω_k = P^{−k/(h−1)}  (P = maxPeriod, as DDPM's `get_timestep_embedding`).
 * DDPM feeds integer steps 0…1000; DiffFlow's t is continuous in [0, T] with T ≈ 0.05–0.1, so the
 * scale s (default 1000 in the U-Net) stretches it onto a useful range of phases.
 *
 * @param t a time shared by the batch, or one per row [B]
 * @returns [1, d] for a shared time, [B, d] otherwise
 */
export function sinusoidalEmbedding(t: number | tf.Tensor1D, dim: number, scale = 1, maxPeriod = 10_000): tf.Tensor2D {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2 !== 0) {
    throw new RangeError(`sinusoidalEmbedding: dim must be an even integer ≥ 4, got ${dim}`);
  }
  if (!(maxPeriod > 1)) throw new RangeError(`sinusoidalEmbedding: maxPeriod must be > 1, got ${maxPeriod}`);
  const half = dim / 2;
  const freqs = Float32Array.from({ length: half }, (_, k) => scale * Math.exp((-Math.log(maxPeriod) * k) / (half - 1)));
  return tf.tidy(() => {
    const times = typeof t === 'number' ? tf.tensor2d([t], [1, 1], 'float32') : tf.reshape(t, [-1, 1]);
    const phase = tf.mul(times, tf.tensor2d(freqs, [1, half], 'float32'));
    return tf.concat([tf.sin(phase), tf.cos(phase)], 1) as tf.Tensor2D;
  });
}
