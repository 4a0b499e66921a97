import * as tf from '@tensorflow/tfjs-core';
import {
  applyField,
  backwardNoise,
  eulerMaruyamaRollout,
  type DiffusionModel,
  type NoiseSource,
  type Rollout,
  type RolloutOptions as CoreRolloutOptions,
  type TimeGrid,
} from '@diffflow/sde-core';

export type { Rollout };

/** Options of {@link forwardRollout}: sde-core's rollout options, the drift defaulting to the model's. */
export type RolloutOptions = Omit<CoreRolloutOptions, 'driftAt'> & {
  /** F_i = f(x_i, t_i) (default: the SDE's drift, shape-checked). */
  readonly driftAt?: CoreRolloutOptions['driftAt'];
};

/**
 * The forward Euler–Maruyama rollout of the model's SDE (paper Eq. 11): sde-core's
 * `eulerMaruyamaRollout` with the model's drift and diffusion, for the trajectory KL and the adjoint.
 * @param x0 [B, ...D] (not disposed)  @param grid t_0 < … < t_N (checked by the caller)
 * @param noise δ^F_i for step i
 */
export function forwardRollout(model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource, options: RolloutOptions = {}): Rollout {
  const { drift, diffusion } = model.sde;
  const driftAt = options.driftAt ?? ((i: number, x: tf.Tensor) => applyField(drift, 'drift', x, grid[i] as number, i));
  return eulerMaruyamaRollout(diffusion, x0, grid, noise, { ...options, driftAt });
}

/**
 * δ^B_i of step i along a path (paper Eq. 15), from x_i, x_{i+1} and F_{i+1}, S_{i+1} at x_{i+1}:
 *   δ^B_i = [x_i − x_{i+1} + (F_{i+1} − g(t_{i+1})² S_{i+1}) Δt_i] / (g(t_{i+1}) √Δt_i).
 * Shared by the loss (S from `apply`) and the adjoint (S from a linearisation). @returns [B, ...D]
 */
export function stepBackwardNoise(model: DiffusionModel, grid: TimeGrid, i: number, x: tf.Tensor, z: tf.Tensor, fz: tf.Tensor, sz: tf.Tensor): tf.Tensor {
  const t1 = grid[i + 1] as number;
  return backwardNoise(x, z, fz, sz, model.sde.diffusion(t1), t1 - (grid[i] as number));
}
