import * as tf from '@tensorflow/tfjs-core';
import { applyField, perRow, replayableNormal, replayableUniforms, type DiffusionModel } from '@diffflow/sde-core';

/** Options of {@link scoreMatchingLoss}. */
export interface ScoreMatchingOptions {
  /** Root seed: t keyed (seed, 'dsm/time', iteration, 0), ε keyed (seed, 'dsm/noise', iteration, 0). */
  readonly seed: number;
  /** Training iteration: each gets its own t and ε, replayed for the same iteration. */
  readonly iteration: number;
  /** Smallest time drawn (default 1e-5, score_sde's ε; raised to the SDE's t0 if that is larger). */
  readonly tMin?: number;
  /** Largest time drawn (default the SDE's T, which must then be finite). */
  readonly tMax?: number;
}

/**
 * Denoising score matching on any SDE with a closed-form marginal (VP, sub-VP, VE, your own
 * linear SDE), with σ(t)² weighting (score_sde's `reduce_mean = False`, `likelihood_weighting =
 * False`): one t per row, t ~ U(tMin, tMax), x_t = m(t) x_0 + σ(t) ε, and
 *   loss = mean_b ‖σ(t_b) s(x_t, t_b) + ε_b‖²   (summed over the sample dims),
 * which is DDPM's L_simple for s = −ε_θ/σ. Differentiable in the score's parameters; the score
 * gets t per row as a [B] tensor.
 * @param model its SDE must have `marginal`
 * @param x0 data: [B, ...D] (not disposed)
 */
export function scoreMatchingLoss(model: DiffusionModel, x0: tf.Tensor, options: ScoreMatchingOptions): tf.Scalar {
  const where = 'scoreMatchingLoss';
  const marginal = model.sde.marginal;
  if (marginal === undefined) throw new RangeError(`${where}: ${model.sde.name} has no closed-form marginal; train its score with trajectoryKl`);
  if (x0.rank < 2 || (x0.shape[0] ?? 0) < 1) throw new RangeError(`${where}: x0 must be [B, ...D] with B ≥ 1, got [${x0.shape.join(', ')}]`);
  const [t0, T] = model.sde.interval;
  const tMin = Math.max(options.tMin ?? 1e-5, t0);
  const tMax = options.tMax ?? T;
  if (!Number.isFinite(tMax) || !(tMax > tMin) || tMax > T) throw new RangeError(`${where}: tMax must be finite with tMin = ${tMin} < tMax ≤ T = ${T}, got ${tMax}`);
  if (!Number.isInteger(options.iteration) || options.iteration < 0) throw new RangeError(`${where}: iteration must be an integer ≥ 0, got ${options.iteration}`);
  const batch = x0.shape[0] as number;
  const u = replayableUniforms(batch, { seed: options.seed, purpose: 'dsm/time', iteration: options.iteration, step: 0 });
  const times = Float32Array.from(u, (v) => tMin + (tMax - tMin) * v);
  const scales = times.map((t) => marginal(t).meanScale);
  const stds = times.map((t) => marginal(t).std);
  return tf.tidy(() => {
    const eps = replayableNormal(x0.shape, { seed: options.seed, purpose: 'dsm/noise', iteration: options.iteration, step: 0 });
    const std = perRow(stds, x0);
    const xt = tf.add(tf.mul(x0, perRow(scales, x0)), tf.mul(eps, std));
    const s = applyField(model.score, 'score', xt, tf.tensor1d(times));
    const residual = tf.add(tf.mul(s, std), eps);
    return tf.mean(tf.sum(tf.reshape(tf.square(residual), [batch, -1]), 1)) as tf.Scalar;
  });
}
