import type * as tf from '@tensorflow/tfjs-core';
import { reverseProcess, type DiffusionModel } from '@diffflow/sde-core';

/**
 * Velocity of the probability-flow ODE (Eq. 17 with λ = 0): v(x, t) = f(x, t) − ½ g(t)² s(x, t),
 * the drift of sde-core's `reverseProcess(model, 0)`.
 * @param x [B, ...D]  @returns [B, ...D]
 */
export function probabilityFlowVelocity(model: DiffusionModel, x: tf.Tensor, t: number): tf.Tensor {
  return reverseProcess(model, 0).drift(x, t);
}
