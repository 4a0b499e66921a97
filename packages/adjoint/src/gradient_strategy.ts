import type * as tf from '@tensorflow/tfjs-core';
import { forwardNoise, type DiffusionModel, type TimeGrid } from '@diffflow/sde-core';
import { adjointGradients } from './adjoint.js';
import { naiveGradients } from './naive.js';
import { gradientStrategyNames, type GradientResult, type GradientStrategy, type GradientStrategyName } from './strategy.js';

/** The strategy a training loop uses unless its config says otherwise. */
export const defaultGradientStrategy: GradientStrategyName = 'adjoint';

const strategies: Record<GradientStrategyName, GradientStrategy> = {
  adjoint: adjointGradients,
  naive: naiveGradients,
};

/**
 * The gradient strategy of a name, for a training loop that chooses by config. Both return the same
 * loss terms and gradients (up to float32 rounding); `adjoint` needs memory constant in N apart from
 * the cached states, `naive` keeps every step's activations on the tape.
 * @example
 * const { loss, grads } = gradientStrategy(config.gradients ?? 'adjoint')(model, x0, grid, noise);
 * optimizer.applyGradients(grads);
 */
export function gradientStrategy(name: GradientStrategyName): GradientStrategy {
  if (!(gradientStrategyNames as readonly string[]).includes(name)) {
    throw new RangeError(`gradientStrategy: name must be one of ${gradientStrategyNames.join(', ')}, got '${String(name)}'`);
  }
  return strategies[name];
}

/** The randomness of one training iteration: its δ^F is `forwardNoise(seed, iteration)`. */
export interface IterationKey {
  readonly seed: number;
  readonly iteration: number;
}

/**
 * A strategy's gradients for one training iteration: δ^F from `forwardNoise(key.seed,
 * key.iteration, rows)`. The one place a training iteration's noise is built — the trainer's own
 * thread and every data-parallel shard call this, so a shard of rows [start, end) (`x0` holds just
 * those rows) sees exactly those rows of the whole batch's noise.
 * @param x0 [B, ...D], or rows [start, end) of the batch when `rows` is given
 */
export function iterationGradients(strategy: GradientStrategyName, model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, key: IterationKey, rows?: readonly [number, number]): GradientResult {
  return gradientStrategy(strategy)(model, x0, grid, forwardNoise(key.seed, key.iteration, rows));
}
