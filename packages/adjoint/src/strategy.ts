import type * as tf from '@tensorflow/tfjs-core';
import type { DiffusionModel, ReplayableNoise, TimeGrid } from '@diffflow/sde-core';
import type { TrajectoryLoss } from '@diffflow/losses';

/** The loss terms of one iteration and the gradient of `loss.objective` for every parameter. */
export interface GradientResult {
  readonly loss: TrajectoryLoss;
  /** ∂objective/∂θ keyed by tfjs variable name: what `optimizer.applyGradients` takes. */
  readonly grads: tf.NamedTensorMap;
}

/**
 * How gradients of the trajectory KL are computed. Every strategy returns the same numbers (up
 * to float32 rounding) for the same model, data, grid and noise; they differ in time and memory.
 * The noise must be replayable (only sde-core's keyed sources — `forwardNoise`, `keyedNoise`,
 * `rowKeyedNoise` — have the type): the adjoint regenerates it.
 * @param model a `DiffusionModel` of @diffflow/sde-core
 */
export type GradientStrategy = (model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, noise: ReplayableNoise) => GradientResult;

/** Names of the strategies on offer. */
export const gradientStrategyNames = ['adjoint', 'naive'] as const;
/** One of {@link gradientStrategyNames}: 'adjoint' or 'naive'. */
export type GradientStrategyName = (typeof gradientStrategyNames)[number];

/** Disposes every tensor of a gradient result. */
export function disposeGradientResult(result: GradientResult): void {
  for (const t of Object.values(result.loss)) (t as tf.Tensor).dispose();
  for (const g of Object.values(result.grads)) g.dispose();
}
