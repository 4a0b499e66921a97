import * as tf from '@tensorflow/tfjs-core';
import type { DiffFlowModel } from '@diffflow/losses';

/**
 * Drift of the marginal-equivalent family (paper Eq. 17): f(x, t) − ((1 + λ²)/2) g(t)² s(x, t).
 * λ = 1 is the backward SDE's drift, λ = 0 the probability-flow ODE's velocity.
 * @param x [B, ...D]  @param t time shared by the batch  @param lambda λ ≥ 0
 * @returns [B, ...D]
 */
export function marginalDrift(model: DiffFlowModel, x: tf.Tensor, t: number, lambda: number): tf.Tensor {
  const g = model.diffusion(t);
  return tf.tidy(() => tf.sub(model.drift.apply(x, t), tf.mul(model.score.apply(x, t), 0.5 * (1 + lambda * lambda) * g * g)));
}

/**
 * Velocity of the probability-flow ODE (Eq. 17 with λ = 0): v(x, t) = f(x, t) − ½ g(t)² s(x, t).
 * @param x [B, ...D]  @returns [B, ...D]
 */
export function probabilityFlowVelocity(model: DiffFlowModel, x: tf.Tensor, t: number): tf.Tensor {
  return marginalDrift(model, x, t, 0);
}
