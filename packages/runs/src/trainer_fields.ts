import type * as t from 'io-ts';
import { gradientStrategyNames } from '@diffflow/adjoint';
import { intAtLeast, numberAbove, numberAtLeast, numberInRange, oneOf } from './config.js';
import type { TrainerConfig } from '@diffflow/training';

/**
 * The update fields of every trained model (DiffFlow and the DDPM baseline), as io-ts props to
 * spread into a `t.strict({...})`: Adam with StepLR, gradient clipping, EMA.
 */
export const updateFields = {
  /** Adam learning rate, and StepLR: ×lrDecay every lrDecayEvery iterations. */
  lr: numberAbove(0),
  lrDecay: numberInRange(0, 1),
  lrDecayEvery: intAtLeast(1),
  /** Global gradient-norm clip (0 = off). */
  clip: numberAtLeast(0),
  /** EMA decay of the weights used for sampling, validation and evaluation. */
  ema: numberInRange(0, 0.999999),
};

/**
 * The optimisation fields every training configuration shares (toy2d, tabular, images): the
 * {@link updateFields}, the gradient strategy and the root seed. Each is also a CLI flag (see `flagsOf`).
 */
export const optimizerFields = {
  ...updateFields,
  /** Gradient strategy (adjoint or naive). */
  strategy: oneOf(gradientStrategyNames),
  /** Root seed of every random draw (batches, grids, noise, initial weights). */
  seed: intAtLeast(0),
};

/** The decoded {@link optimizerFields}, plus the retry budget every training config also has. */
export type OptimizerSettings = t.TypeOf<t.TypeC<typeof optimizerFields>> & { readonly maxRetries: number };

/** The trainer settings of the shared fields (everything of a `TrainerConfig` but its time grid). */
export function trainerSettings(c: OptimizerSettings): Omit<TrainerConfig, 'time'> {
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
