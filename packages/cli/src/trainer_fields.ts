import * as t from 'io-ts';
import { gradientStrategyNames } from '@diffflow/adjoint';
import { documented, intAtLeast, numberAbove, numberAtLeast, numberInRange, oneOf } from './config.js';
import type { OptimizerConfig, TrainerConfig } from '@diffflow/training';

/**
 * The update fields of every trained model (DiffFlow and the DDPM baseline), as io-ts props to
 * spread into a `t.strict({...})`: Adam with StepLR, gradient clipping, EMA (each `documented`: its help).
 */
export const updateFields = {
  lr: documented(numberAbove(0), 'Adam learning rate.'),
  lrDecay: documented(numberInRange(0, 1), 'StepLR: the learning rate is multiplied by lrDecay every lrDecayEvery iterations (1 = constant).'),
  lrDecayEvery: documented(intAtLeast(1), 'StepLR period, in iterations.'),
  clip: documented(numberAtLeast(0), 'Global gradient-norm clip (0 = off).'),
  ema: documented(numberInRange(0, 0.999999), 'EMA decay of the weights used for sampling, validation and evaluation.'),
};

/**
 * The optimisation fields every training configuration shares (toy2d, tabular, images): the
 * {@link updateFields}, the gradient strategy and the root seed. Each is also a CLI flag (see `flagsOf`).
 */
export const optimizerFields = {
  ...updateFields,
  strategy: documented(oneOf(gradientStrategyNames), 'Gradient strategy: the adjoint (memory independent of N) or naive backpropagation through the solver.'),
  seed: documented(intAtLeast(0), 'Root seed of every random draw (batches, grids, noise, initial weights).'),
};

/**
 * The budget and the time grid of DiffFlow with a constant diffusion g, dx = f_θ dt + g dw on
 * [t_0, T] (the 2-D and tabular experiments; images has its own, with progressive N and the VP
 * process), as io-ts props to spread into a `t.strict({...})`. Each is also a CLI flag.
 */
export const constantGFields = {
  iters: documented(intAtLeast(1), 'Training iterations.'),
  batchSize: documented(intAtLeast(1), 'Batch size B (--batchSize: Nx takes --batch for itself).'),
  steps: documented(intAtLeast(1), 'Number of steps N of the time grid (training; sampling and the bound unless given otherwise).'),
  tMin: documented(numberAtLeast(0), 'First time t_0 ≥ 0 (the data sit at t_0).'),
  T: documented(numberAbove(0), 'Final time T > 0 (the prior N(0, I) sits at T).'),
  beta: documented(numberAbove(0), 'Grid exponent β > 0: time points uniform in t^β.'),
  g: documented(numberAbove(0), 'Diffusion g > 0 (constant). Small g makes DiffFlow a continuous normalizing flow (Theorem 1).'),
  flexible: documented(t.boolean, 'Re-draw the interior time points every iteration (L̂_β) instead of the fixed grid (L_β).'),
};

/**
 * The checkpoint fields every training configuration shares (toy2d, tabular, images, compare), as
 * io-ts props to spread into a `t.strict({...})`. Each is also a CLI flag.
 */
export const checkpointFields = {
  checkpointEvery: documented(intAtLeast(1), 'Write a checkpoint every this many iterations (and at the end).'),
  maxRetries: documented(intAtLeast(0), 'Non-finite iterations retried with fresh noise before stopping.'),
};

/** The decoded {@link optimizerFields}, plus the retry budget every training config also has. */
export type OptimizerSettings = t.TypeOf<t.TypeC<typeof optimizerFields>> & { readonly maxRetries: number };

/** The trainer settings of the shared fields: `OptimizerConfig` (`ema` is its `emaDecay`) with the strategy. */
export function trainerSettings(c: OptimizerSettings): OptimizerConfig & Pick<TrainerConfig, 'strategy'> {
  return {
    seed: c.seed,
    lr: c.lr,
    lrDecay: c.lrDecay,
    lrDecayEvery: c.lrDecayEvery,
    clip: c.clip,
    emaDecay: c.ema,
    strategy: c.strategy,
    maxRetries: c.maxRetries,
  };
}

/** The decoded {@link constantGFields}. */
export type ConstantGSettings = t.TypeOf<t.TypeC<typeof constantGFields>>;

/**
 * DiffFlow's trainer configuration of an experiment with a constant g (toy2d, tabular): the shared
 * settings ({@link trainerSettings}) and the time grid of its {@link constantGFields}.
 */
export function constantGTrainerConfig(c: OptimizerSettings & ConstantGSettings): TrainerConfig {
  return {
    ...trainerSettings(c),
    time: { tMin: c.tMin, tMax: c.T, beta: c.beta, steps: c.steps, flexible: c.flexible },
  };
}
