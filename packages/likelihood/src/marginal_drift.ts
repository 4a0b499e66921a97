import type * as tf from '@tensorflow/tfjs-core';
import { marginalDrift as modelMarginalDrift } from '@diffflow/sde-core';
import { asDiffusionModel, type ModelLike } from '@diffflow/losses';

/**
 * Drift of the marginal-equivalent family (paper Eq. 17): f(x, t) − ((1 + λ²)/2) g(t)² s(x, t).
 * λ = 1 is the backward SDE's drift, λ = 0 the probability-flow ODE's velocity.
 * @deprecated Use `marginalDrift(model, x, t, λ)` from @diffflow/sde-core with a `DiffusionModel`
 *   (this forward also takes the deprecated `DiffFlowModel`).
 * @param x [B, ...D]  @param t time shared by the batch  @param lambda λ ≥ 0
 * @returns [B, ...D]
 */
export function marginalDrift(model: ModelLike, x: tf.Tensor, t: number, lambda: number): tf.Tensor {
  return modelMarginalDrift(asDiffusionModel(model), x, t, lambda);
}

/**
 * Velocity of the probability-flow ODE (Eq. 17 with λ = 0): v(x, t) = f(x, t) − ½ g(t)² s(x, t).
 * @param x [B, ...D]  @returns [B, ...D]
 */
export function probabilityFlowVelocity(model: ModelLike, x: tf.Tensor, t: number): tf.Tensor {
  return modelMarginalDrift(asDiffusionModel(model), x, t, 0);
}
