import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, requireGradients, tapeSafe } from '@diffflow/sde-core';
import type { Parameter } from '@diffflow/networks';
import type { Ema } from './ema.js';
import { namedOptimizer, type NamedOptimizer, type OptimizerConfig, type TrainerState } from './named_optimizer.js';
import { firstGoodAttempt, type Attempt } from './retry.js';

/**
 * A scalar loss's iteration, the part every trainer of a plain loss shares (the DDPM baseline's,
 * DiffFlow's score warm-up): its gradient in `variables`, a non-finite loss or gradient skipping
 * the update (naming it), else one optimiser update at `baseLr` (StepLR applied by iteration).
 */
export function lossAttempt(
  optimizer: NamedOptimizer,
  variables: readonly tf.Variable[],
  loss: () => tf.Scalar,
  baseLr: number,
  iteration: number,
  label: string,
): Attempt<{ loss: number; lr: number; gradNorm: number }> {
  return gradientsAttempt(optimizer, tapeSafe(() => tf.variableGrads(loss, [...variables])), baseLr, iteration, label);
}

/**
 * {@link lossAttempt} on a loss and gradients computed elsewhere (e.g. split across threads): the
 * same guard and update. Takes ownership of `out`'s tensors.
 */
export function gradientsAttempt(
  optimizer: NamedOptimizer,
  out: { readonly value: tf.Scalar; readonly grads: tf.NamedTensorMap },
  baseLr: number,
  iteration: number,
  label: string,
): Attempt<{ loss: number; lr: number; gradNorm: number }> {
  const value = out.value.dataSync()[0] as number;
  out.value.dispose();
  if (!Number.isFinite(value)) {
    tf.dispose(Object.values(out.grads));
    return { failed: `${label} (${value})` };
  }
  const u = optimizer.update(out.grads, baseLr, iteration);
  if ('failed' in u) return u;
  return { value: { loss: value, ...u } };
}

/** Optimisation settings of a {@link createLossTrainer}: every trainer's (the seed keys the loss's draws; the data come from the `data` callback). */
export interface LossTrainerConfig extends OptimizerConfig {
  /** The purpose retries derive their seeds under (default 'retry'). */
  readonly retryPurpose?: string;
  /** How errors name the trainer (default 'createLossTrainer'). */
  readonly name?: string;
}

/** What one iteration of a {@link LossTrainer} reports. */
export interface LossStepMetrics {
  readonly iteration: number;
  readonly lr: number;
  /** The loss of the batch. */
  readonly loss: number;
  readonly gradNorm: number;
  /** Attempts skipped because something went non-finite. */
  readonly retries: number;
  readonly ms: number;
}

/** A trainer of any scalar loss over named parameters. */
export interface LossTrainer {
  readonly parameters: readonly Parameter[];
  readonly iteration: number;
  /** Runs iteration `this.iteration` and advances it. Throws DivergenceError after maxRetries. */
  step(): LossStepMetrics;
  readonly ema: Ema;
  /** 'param/…', 'adam/m/…', 'adam/v/…', 'ema/…' by the parameters' names, and the counters. */
  state(): TrainerState;
  /** Restores a snapshot taken by `state()`. */
  restore(state: TrainerState): void;
  /** Frees the optimizer's and the EMA's tensors (not the parameters). */
  dispose(): void;
}

/**
 * One trainer for any loss: `loss(x0, iteration, seed)` is minimised over `parameters` with the
 * optimiser every trainer here shares (clipping with the non-finite guard, Adam with StepLR, EMA,
 * retries with fresh draws, snapshots by stable name). Every draw is keyed by (seed, iteration),
 * so runs replay and resume exactly; a retry's seed is derived from (seed, retryPurpose,
 * iteration, attempt).
 *
 * @param loss differentiable in `parameters`; x0 is the iteration's batch [B, ...D]
 * @param data x_0 of an iteration (the trainer disposes it)
 */
export function createLossTrainer(
  parameters: readonly Parameter[],
  loss: (x0: tf.Tensor, iteration: number, seed: number) => tf.Scalar,
  config: LossTrainerConfig,
  data: (iteration: number) => tf.Tensor,
): LossTrainer {
  const name = config.name ?? 'createLossTrainer';
  requireGradients(name);
  if (!(config.lr > 0)) throw new RangeError(`${name}: lr must be > 0, got ${config.lr}`);
  if (!(config.lrDecay > 0 && config.lrDecay <= 1)) throw new RangeError(`${name}: lrDecay must be in (0, 1], got ${config.lrDecay}`);
  if (!Number.isInteger(config.lrDecayEvery) || config.lrDecayEvery < 1) throw new RangeError(`${name}: lrDecayEvery must be an integer ≥ 1, got ${config.lrDecayEvery}`);
  const variables = parameters.map((p) => p.variable);
  const optimizer = namedOptimizer(parameters, config);
  const retryPurpose = config.retryPurpose ?? 'retry';
  let iteration = 0;

  const attempt = (k: number): Attempt<{ loss: number; lr: number; gradNorm: number }> => {
    const seed = k === 0 ? config.seed : deriveSeed({ seed: config.seed, purpose: retryPurpose, iteration, step: k });
    const x0 = data(iteration);
    try {
      return lossAttempt(optimizer, variables, () => loss(x0, iteration, seed), config.lr, iteration, 'loss');
    } finally {
      x0.dispose();
    }
  };

  return {
    parameters,
    get iteration() {
      return iteration;
    },
    step() {
      const start = performance.now();
      const { value, retries } = firstGoodAttempt(iteration, config.maxRetries, attempt);
      const metrics: LossStepMetrics = { iteration, ...value, retries, ms: performance.now() - start };
      iteration += 1;
      return metrics;
    },
    ema: optimizer.ema,
    state: () => optimizer.state(iteration),
    restore(state) {
      iteration = optimizer.restore(state);
    },
    dispose: () => optimizer.dispose(),
  };
}
