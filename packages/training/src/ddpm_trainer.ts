import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed } from '@diffflow/sde-core';
import type { Parameter, VectorField } from '@diffflow/networks';
import { ddpmLoss, type DdpmTime, type VpSchedule } from '@diffflow/losses';
import type { Ema } from './ema.js';
import { namedOptimizer, type TrainerState } from './named_optimizer.js';
import { firstGoodAttempt, type Attempt } from './trainer.js';

/**
 * The DDPM baseline's training loop: L_simple (`ddpmLoss`) on an ε-network with the same
 * optimiser pieces as DiffFlow's `createTrainer` (Adam with StepLR, global-norm clipping, EMA of
 * the weights), so the two models differ in their objective and model, not in the optimiser.
 * Every draw is keyed by (seed, iteration), so runs replay and resume exactly.
 */

export interface DdpmTrainerConfig {
  /** Seed of the loss's t and ε draws (the data come from the `data` callback). */
  readonly seed: number;
  readonly lr: number;
  /** lr × lrDecay every lrDecayEvery iterations (StepLR). */
  readonly lrDecay: number;
  readonly lrDecayEvery: number;
  /** Global gradient-norm clip (0 = off). */
  readonly clip: number;
  readonly emaDecay: number;
  /** t ~ U(tMin, 1) in the loss (continuous time). */
  readonly tMin: number;
  readonly time: DdpmTime;
  /** Non-finite iterations retried with fresh draws before giving up. */
  readonly maxRetries: number;
}

export interface DdpmStepMetrics {
  readonly iteration: number;
  readonly lr: number;
  /** L_simple of the batch: mean ‖ε_θ − ε‖², summed over dimensions. */
  readonly loss: number;
  readonly gradNorm: number;
  readonly retries: number;
  readonly ms: number;
}

export interface DdpmTrainer {
  readonly network: VectorField;
  /** Parameters with stable names ('epsilon/…'). */
  readonly parameters: readonly Parameter[];
  readonly iteration: number;
  step(): DdpmStepMetrics;
  readonly ema: Ema;
  /** Same layout as DiffFlow's trainer: 'param/…', 'adam/m/…', 'adam/v/…', 'ema/…'. */
  state(): TrainerState;
  restore(state: TrainerState): void;
  dispose(): void;
}

/**
 * @param network the ε-network (its parameters are trained in place)
 * @param data x_0 of an iteration: [B, ...D] (the trainer disposes it)
 */
export function createDdpmTrainer(network: VectorField, schedule: VpSchedule, config: DdpmTrainerConfig, data: (iteration: number) => tf.Tensor): DdpmTrainer {
  if (!(config.lr > 0)) throw new RangeError(`createDdpmTrainer: lr must be > 0, got ${config.lr}`);
  if (!(config.lrDecay > 0 && config.lrDecay <= 1)) throw new RangeError(`createDdpmTrainer: lrDecay must be in (0, 1], got ${config.lrDecay}`);
  if (!Number.isInteger(config.lrDecayEvery) || config.lrDecayEvery < 1)
    throw new RangeError(`createDdpmTrainer: lrDecayEvery must be an integer ≥ 1, got ${config.lrDecayEvery}`);
  const parameters: Parameter[] = network.parameters.map((p) => ({ name: `epsilon/${p.name}`, variable: p.variable }));
  const variables = parameters.map((p) => p.variable);
  const optimizer = namedOptimizer(parameters, config);
  let iteration = 0;

  const attemptOnce = (attempt: number): Attempt<{ loss: number; gradNorm: number; lr: number }> => {
    const seed = attempt === 0 ? config.seed : deriveSeed({ seed: config.seed, purpose: 'ddpm/retry', iteration, step: attempt });
    const x0 = data(iteration);
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      result = tf.variableGrads(() => ddpmLoss(network, schedule, x0, { seed, iteration, tMin: config.tMin, time: config.time }), variables);
    } finally {
      x0.dispose();
    }
    const loss = result.value.dataSync()[0] as number;
    result.value.dispose();
    if (!Number.isFinite(loss)) {
      tf.dispose(Object.values(result.grads));
      return { failed: `loss (${loss})` };
    }
    const u = optimizer.update(result.grads, config.lr, iteration);
    if ('failed' in u) return u;
    return { value: { loss, ...u } };
  };

  return {
    network,
    parameters,
    get iteration() {
      return iteration;
    },
    step() {
      const start = performance.now();
      const { value, retries } = firstGoodAttempt(iteration, config.maxRetries, attemptOnce);
      const metrics: DdpmStepMetrics = { iteration, ...value, retries, ms: performance.now() - start };
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
