import type * as tf from '@tensorflow/tfjs-core';
import type { Parameter, VectorField } from '@diffflow/networks';
import type { VpSchedule } from '@diffflow/sde-core';
import { ddpmLoss, type DdpmTime } from '@diffflow/losses';
import { createLossTrainer, type LossStepMetrics, type LossTrainer } from './loss_trainer.js';
import type { OptimizerConfig } from './named_optimizer.js';

/**
 * The DDPM baseline's trainer: `createLossTrainer` of L_simple (`ddpmLoss`) on an ε-network, the
 * same optimiser pieces as DiffFlow's `createTrainer` (Adam with StepLR, global-norm clipping, EMA of
 * the weights), so the two models differ in their objective and model, not in the optimiser.
 * Every draw is keyed by (seed, iteration), so runs replay and resume exactly.
 */

/** The DDPM trainer: every trainer's {@link OptimizerConfig} (the seed keys the loss's t and ε), and the loss's time. */
export interface DdpmTrainerConfig extends OptimizerConfig {
  /** t ~ U(tMin, 1) in the loss (continuous time). */
  readonly tMin: number;
  readonly time: DdpmTime;
}

/** What one iteration reports: `loss` is L_simple of the batch, mean ‖ε_θ − ε‖² summed over dimensions. */
export type DdpmStepMetrics = LossStepMetrics;

/** The DDPM baseline's trainer: a {@link LossTrainer} of L_simple, with its network. */
export interface DdpmTrainer extends LossTrainer {
  readonly network: VectorField;
}

/**
 * The DDPM baseline's trainer: L_simple of the ε-network on `data`, with the shared optimizer and retries.
 * @param network the ε-network (its parameters are trained in place)
 * @param data x_0 of an iteration: [B, ...D] (the trainer disposes it)
 */
export function createDdpmTrainer(network: VectorField, schedule: VpSchedule, config: DdpmTrainerConfig, data: (iteration: number) => tf.Tensor): DdpmTrainer {
  const parameters: Parameter[] = network.parameters.map((p) => ({ name: `epsilon/${p.name}`, variable: p.variable }));
  const trainer = createLossTrainer(
    parameters,
    (x0, iteration, seed) => ddpmLoss(network, schedule, x0, { seed, iteration, tMin: config.tMin, time: config.time }),
    { ...config, retryPurpose: 'ddpm/retry', name: 'createDdpmTrainer' },
    data,
  );
  return Object.assign(trainer, { network });
}
