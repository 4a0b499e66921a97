import * as tf from '@tensorflow/tfjs-core';
import { modelFields, requireGradients, tapeSafe, variablesOf } from '@diffflow/sde-core';
import { trajectoryKl, type TrajectoryLoss } from '@diffflow/losses';
import type { GradientStrategy } from './strategy.js';

/**
 * Gradients by autodiff through the whole unrolled trajectory: simple and exact, memory linear in
 * N (every activation of every step stays on the tape until the backward pass).
 */
export const naiveGradients: GradientStrategy = (model, x0, grid, noise) => {
  requireGradients('naiveGradients');
  let loss: TrajectoryLoss | undefined;
  const { grads, value } = tapeSafe(() => tf.variableGrads(() => {
    const terms = trajectoryKl(model, x0, grid, noise);
    tf.keep(terms.bound);
    tf.keep(terms.terminal);
    tf.keep(terms.backwardEnergy);
    tf.keep(terms.forwardEnergy);
    loss = terms;
    return terms.objective;
  }, variablesOf(...modelFields(model))));
  const terms = loss as TrajectoryLoss;
  return { loss: { ...terms, objective: value }, grads };
};
