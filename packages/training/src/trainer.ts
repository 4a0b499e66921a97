import * as tf from '@tensorflow/tfjs-core';
import {
  deriveSeed,
  requireBackend,
  tapeSafe,
  fixedGrid,
  flexibleGridAt,
  progressiveSchedule,
  type GridSpec,
  type ProgressiveSpec,
  type DiffusionModel,
  type TimeGrid,
} from '@diffflow/sde-core';
import type { Parameter } from '@diffflow/networks';
import { trajectoryLossTerms } from '@diffflow/losses';
import { disposeGradientResult, gradientStrategy, iterationGradients, type GradientResult, type GradientStrategyName, type IterationKey } from '@diffflow/adjoint';
import type { Ema } from './ema.js';
import { namedParameters } from './diffflow_parameters.js';
import { namedOptimizer, type OptimizerConfig, type TrainerState } from './named_optimizer.js';
import { gradientsAttempt } from './loss_trainer.js';
import { firstGoodAttempt, type Attempt } from './retry.js';

export { DivergenceError, firstGoodAttempt, type Attempt } from './retry.js';

export type { TrainerState } from './named_optimizer.js';

/** How the trainer discretises time: fixed or flexible grid, N fixed or progressive. */
export interface TimeConfig {
  readonly tMin: number;
  readonly tMax: number;
  readonly beta: number;
  /** N, or a progressive schedule of N by iteration. */
  readonly steps: number | ProgressiveSpec;
  /** Re-draw the interior time points every iteration (L̂_β) instead of the fixed grid (L_β). */
  readonly flexible: boolean;
}

/** DiffFlow's trainer: the {@link OptimizerConfig} of every trainer, the gradient strategy and the time grid. */
export interface TrainerConfig extends OptimizerConfig {
  readonly strategy: GradientStrategyName;
  /**
   * Where the trajectory-KL gradients come from instead of `iterationGradients(strategy, …)` on
   * this thread (@diffflow/adjoint, which builds the iteration's noise from `key`): e.g. a
   * data-parallel pool's `gradientsSync` (@diffflow/parallel), whose shards call the same function.
   * The caller owns the pool.
   */
  readonly gradients?: (model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, key: IterationKey) => GradientResult;
  readonly time: TimeConfig;
  /** Score matching before the trajectory KL (none by default). */
  readonly warmup?: ScoreWarmup;
}

/**
 * Denoising score matching before the trajectory KL: iterations 0 … `iterations` − 1 train the
 * score alone on `loss` (e.g. losses' `ddpmLoss` of an ε-network), the drift held where it is.
 * At DiffFlow's diffusion-model end (forward 'vp', f_θ = 0) this has the trajectory KL's minimiser
 * for the score — the backward step's mean E[x_i | x_{i+1}] is the marginal score's — at a fraction
 * of the cost and variance: one network evaluation per image instead of 2N, and the marginal noise
 * as target instead of one Euler step's. From iteration `iterations` on, the trajectory KL trains
 * drift and score jointly; Adam starts afresh there (the drift's moments are still zero and the two
 * losses' gradients differ in scale), the EMA runs on.
 */
export interface ScoreWarmup {
  readonly iterations: number;
  /**
   * The loss of `iteration` on its batch, differentiable in the score's parameters, every draw
   * keyed by (seed, iteration) so runs replay and resume exactly.
   */
  readonly loss: (x0: tf.Tensor, iteration: number, seed: number) => tf.Scalar;
  /**
   * Where the warm-up's loss and gradients come from instead of `tf.variableGrads(loss)` on this
   * thread: e.g. a data-parallel pool's `ddpmGradientsSync` (@diffflow/parallel), which must compute
   * the same loss with the same keys. Returns what `tf.variableGrads` does (the gradients keyed by
   * the score's variable names; the trainer disposes them). The caller owns the pool.
   */
  readonly gradients?: (x0: tf.Tensor, iteration: number, seed: number) => { readonly value: tf.Scalar; readonly grads: tf.NamedTensorMap };
  /** The warm-up's batches, [B', ...D] (default: the trainer's); the trainer disposes them. */
  readonly data?: (iteration: number) => tf.Tensor;
  /** The warm-up's Adam learning rate, StepLR applied as to `lr` (default: the trainer's `lr`). */
  readonly lr?: number;
}

/** Which loss an iteration trains on. */
export type TrainingPhase = 'score-warmup' | 'trajectory-kl';

/** What one iteration reports (nats per sample unless named otherwise). */
export interface StepMetrics {
  readonly iteration: number;
  /**
   * 'score-warmup': `objective` is the warm-up loss per sample, `steps` is 0 and the trajectory
   * terms (bound, terminal, energies) are NaN (null in metrics.jsonl): not computed.
   */
  readonly phase: TrainingPhase;
  readonly steps: number;
  readonly lr: number;
  readonly objective: number;
  readonly bound: number;
  readonly boundPerDim: number;
  readonly terminal: number;
  readonly backwardEnergy: number;
  readonly forwardEnergy: number;
  readonly gradNorm: number;
  /** Attempts that were skipped because something went non-finite. */
  readonly retries: number;
  readonly ms: number;
}

/** A DiffFlow trainer (see {@link createTrainer}): one iteration per `step()`, snapshots for checkpoints. */
export interface Trainer {
  readonly model: DiffusionModel;
  /** Parameters with stable names ('drift/…', 'score/…'). */
  readonly parameters: readonly Parameter[];
  readonly iteration: number;
  /** Runs iteration `this.iteration` and advances it. Throws DivergenceError after maxRetries. */
  step(): StepMetrics;
  /** N in force at an iteration. */
  stepsAt(iteration: number): number;
  /** The loss an iteration trains on. */
  phaseAt(iteration: number): TrainingPhase;
  /** The training grid of an iteration (flexible grids are re-drawn per iteration, replayably). */
  gridAt(iteration: number): TimeGrid;
  /** The fixed grid at the current N (what sampling and evaluation use). */
  evaluationGrid(steps?: number): TimeGrid;
  readonly ema: Ema;
  /** A snapshot of parameters, Adam, EMA and counters (copies the caller disposes). */
  state(): TrainerState;
  /** Restores a snapshot taken by `state()`. */
  restore(state: TrainerState): void;
  /** Frees the optimizer's and the EMA's tensors (not the model). */
  dispose(): void;
}

/**
 * The DiffFlow training loop's inner step (Algorithm 1): data → grid → forward noise →
 * trajectory-KL gradients (adjoint or naive) → divergence guard → clipping → Adam (StepLR) → EMA,
 * after an optional score warm-up ({@link ScoreWarmup}).
 * Every random draw is keyed by (seed, iteration), so runs replay and resume exactly.
 *
 * @param data x_0 for an iteration: [B, ...D] (the trainer disposes it)
 */
export function createTrainer(model: DiffusionModel, config: TrainerConfig, data: (iteration: number) => tf.Tensor): Trainer {
  requireBackend('createTrainer');
  const parameters = namedParameters(model);
  const scoreVariables = model.score.parameters.map((p) => p.variable);
  const optimizer = namedOptimizer(parameters, config);
  gradientStrategy(config.strategy); // an unknown name fails here, not at the first step
  const gradients = config.gradients ?? ((m: DiffusionModel, x: tf.Tensor, g: TimeGrid, key: IterationKey) => iterationGradients(config.strategy, m, x, g, key));
  const warmup = config.warmup;
  const warmupIterations = warmup?.iterations ?? 0;
  if (!Number.isInteger(warmupIterations) || warmupIterations < 0) {
    throw new RangeError(`createTrainer: warmup.iterations must be an integer ≥ 0, got ${warmupIterations}`);
  }
  if (warmup?.lr !== undefined && !(warmup.lr > 0)) throw new RangeError(`createTrainer: warmup.lr must be > 0, got ${warmup.lr}`);
  const schedule = typeof config.time.steps === 'number' ? null : progressiveSchedule(config.time.steps);
  const stepsAt = (iteration: number): number => (schedule === null ? (config.time.steps as number) : schedule.stepsAt(iteration));
  const spec = (steps: number): GridSpec => ({ steps, tMin: config.time.tMin, tMax: config.time.tMax, beta: config.time.beta });
  const gridAt = (iteration: number): TimeGrid =>
    config.time.flexible ? flexibleGridAt(spec(stepsAt(iteration)), config.seed, iteration) : fixedGrid(spec(stepsAt(iteration)));
  let iteration = 0;

  type Metrics = Omit<StepMetrics, 'retries' | 'ms'>;
  const attemptSeed = (attempt: number): number => (attempt === 0 ? config.seed : deriveSeed({ seed: config.seed, purpose: 'retry', iteration, step: attempt }));

  /** One trajectory-KL iteration (Algorithm 1). */
  const trajectoryAttempt = (attempt: number): Attempt<Metrics> => {
    const grid = gridAt(iteration);
    const x0 = data(iteration);
    const dim = x0.shape.slice(1).reduce((a, b) => a * b, 1);
    let result;
    try {
      const seed = attemptSeed(attempt);
      result = gradients(model, x0, grid, { seed, iteration });
    } finally {
      x0.dispose();
    }
    const values = Object.fromEntries(trajectoryLossTerms.map((k) => [k, result.loss[k].dataSync()[0] as number])) as Record<
      (typeof trajectoryLossTerms)[number],
      number
    >;
    const badTerm = trajectoryLossTerms.find((k) => !Number.isFinite(values[k]));
    if (badTerm !== undefined) {
      disposeGradientResult(result);
      return { failed: `loss term '${badTerm}' (${values[badTerm]})` };
    }
    for (const t of Object.values(result.loss)) (t as tf.Tensor).dispose();
    const u = optimizer.update(result.grads, config.lr, iteration);
    if ('failed' in u) return u;
    return { value: { iteration, phase: 'trajectory-kl', steps: grid.length - 1, ...u, ...values, boundPerDim: values.bound / dim } };
  };

  /** One score warm-up iteration: the warm-up loss's gradient in the score's parameters only (from `w.gradients` when given). */
  const warmupAttempt = (attempt: number, w: ScoreWarmup): Attempt<Metrics> => {
    const x0 = (w.data ?? data)(iteration);
    let out: Attempt<{ loss: number; lr: number; gradNorm: number }>;
    try {
      const seed = attemptSeed(attempt);
      const grads = w.gradients === undefined ? tapeSafe(() => tf.variableGrads(() => w.loss(x0, iteration, seed), scoreVariables)) : w.gradients(x0, iteration, seed);
      out = gradientsAttempt(optimizer, grads, w.lr ?? config.lr, iteration, 'score warm-up loss');
    } finally {
      x0.dispose();
    }
    if ('failed' in out) return out;
    const { loss, ...u } = out.value;
    const none = Number.NaN;
    return {
      value: { iteration, phase: 'score-warmup', steps: 0, ...u, objective: loss, bound: none, boundPerDim: none, terminal: none, backwardEnergy: none, forwardEnergy: none },
    };
  };

  return {
    model,
    parameters,
    get iteration() {
      return iteration;
    },
    step() {
      const start = performance.now();
      if (warmupIterations > 0 && iteration === warmupIterations) {
        optimizer.restartAdam(); // the first trajectory-KL iteration (see ScoreWarmup)
      }
      const attempt = (k: number): Attempt<Metrics> => (warmup !== undefined && iteration < warmupIterations ? warmupAttempt(k, warmup) : trajectoryAttempt(k));
      const { value, retries } = firstGoodAttempt(iteration, config.maxRetries, attempt);
      iteration += 1;
      return { ...value, retries, ms: performance.now() - start };
    },
    stepsAt,
    phaseAt: (i) => (i < warmupIterations ? 'score-warmup' : 'trajectory-kl'),
    gridAt,
    evaluationGrid: (steps) => fixedGrid(spec(steps ?? stepsAt(Math.max(0, iteration - 1)))),
    ema: optimizer.ema,
    state: () => optimizer.state(iteration),
    restore(state) {
      iteration = optimizer.restore(state);
    },
    dispose: () => optimizer.dispose(),
  };
}
