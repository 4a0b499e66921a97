/**
 * The held-out likelihood of a trained model, as every experiment's `eval` computes it: the NLL of
 * held-out points by the probability-flow ODE and the negative ELBO of the discretised chain
 * ({@link heldOutLikelihood}), each reported in the dataset's own coordinates ({@link natsReport});
 * and the same on a run's fixed grid ({@link heldOutGrid}) for points given in the dataset's
 * coordinates, the ELBO's forward noise keyed from `purposeSeed(seed, 'test-noise')`, a purpose
 * training never uses ({@link evaluateHeldOut}).
 *
 * Coordinates: the model sees y = T(x), an affine map of the data x (a normaliser, a
 * standardiser) with log|det ∂y/∂x| = `logDet`, so p_x(x) = p_y(y)·|det ∂y/∂x| and
 *
 *   NLL_x = NLL_y − logDet   (per sample, and for every mean and bound).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fixedGrid, purposeSeed, type DiffusionModel, type TimeGrid } from '@diffflow/sde-core';
import { negativeElbo, probabilityFlowNll, summarizeNll, type TraceEstimator } from '@diffflow/likelihood';
import type { HeldOutSettings } from './held_out_flags.js';

// ---------------------------------------------------------------------------------------------
// reporting

/** A mean NLL-type quantity in every unit; `nats` in the dataset's coordinates. */
export interface NatsReport {
  /** Mean per sample, nats, dataset coordinates: `modelNats − logDet`. */
  readonly nats: number;
  /** Standard error of `nats` (NLL: over the held-out points; ELBO: over the K noise draws); null when undefined (one point, one draw). */
  readonly standardError: number | null;
  /** nats / D. */
  readonly natsPerDim: number;
  /** nats / (D ln 2). */
  readonly bitsPerDim: number;
  /** The same mean in the model's coordinates (nats + logDet). */
  readonly modelNats: number;
  /** Wall time of the computation, ms. */
  readonly ms: number;
}

/**
 * A mean computed in the model's coordinates, reported in the dataset's:
 * nats = modelNats − logDet, per dim and in bits per dim.
 * @param standardError its standard error (the same in both coordinates); NaN or ±∞ → null
 * @param dim D ≥ 1
 */
export function natsReport(modelNats: number, standardError: number, logDet: number, dim: number, ms: number): NatsReport {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`natsReport: dim must be an integer ≥ 1; got ${dim}`);
  const nats = modelNats - logDet;
  return {
    nats,
    standardError: Number.isFinite(standardError) ? standardError : null,
    natsPerDim: nats / dim,
    bitsPerDim: nats / (dim * Math.LN2),
    modelNats,
    ms,
  };
}

// ---------------------------------------------------------------------------------------------
// the held-out likelihood

/** Options of {@link heldOutLikelihood}. */
export interface HeldOutOptions {
  /** t_0 … t_N: RK4's steps and the negative ELBO's chain (RK45 uses its end points). */
  readonly grid: TimeGrid;
  /** ODE solver of the NLL. */
  readonly solver: 'rk45' | 'rk4';
  /** RK45 tolerances. */
  readonly rtol: number;
  readonly atol: number;
  /** Trace of ∂v/∂x: exact, or Hutchinson with K probes (keyed by its seed). */
  readonly trace: TraceEstimator;
  /** Rows per ODE solve (default: `probabilityFlowNll`'s, 512). */
  readonly batchSize?: number;
  /** The negative ELBO: root seed of its forward noise (one training did not use), K draws, rows per trajectory (default 512). */
  readonly elbo: { readonly seed: number; readonly draws: number; readonly batchSize?: number };
  /** log|det ∂y/∂x| of the data → model map; 0 when the model sees the data as they are. */
  readonly logDet: number;
}

/** The held-out NLL and negative ELBO of a model, in the dataset's coordinates. */
export interface HeldOutLikelihood {
  /** D, the dimensions of one point. */
  readonly dim: number;
  /** Held-out points n. */
  readonly n: number;
  /** log|det ∂y/∂x| (the option, echoed). */
  readonly logDet: number;
  readonly nll: NatsReport & {
    readonly solver: 'rk45' | 'rk4';
    readonly trace: TraceEstimator['kind'];
    /** Hutchinson probes K per row; null for the exact trace. */
    readonly probes: number | null;
    /** Function evaluations, summed over chunks, and per chunk. */
    readonly nfe: number;
    readonly nfePerChunk: readonly number[];
    readonly rejectedSteps: number;
    /** Means of the two parts of log p_y (model coordinates): log p_T(x_T) and ∫ tr(∂v/∂x) dt. */
    readonly priorLogp: number;
    readonly traceIntegral: number;
  };
  readonly negativeElbo: NatsReport & {
    /** N of the chain. */
    readonly steps: number;
    /** K forward-noise draws. */
    readonly draws: number;
    /** The data mean of each draw, nats, dataset coordinates. */
    readonly perDraw: readonly number[];
  };
  /** −log p_x per held-out point, dataset coordinates: [n]. */
  readonly perSampleNll: Float32Array;
}

const mean = (a: Float32Array): number => a.reduce((acc, v) => acc + v, 0) / a.length;

/** What {@link heldOutNll} returns: the NLL part of a {@link HeldOutLikelihood}. */
export type HeldOutNll = Pick<HeldOutLikelihood, 'nll' | 'perSampleNll'>;

/**
 * The NLL half of {@link heldOutLikelihood}: −log p of held-out points y by the probability-flow
 * ODE (`probabilityFlowNll` of @diffflow/likelihood), per point and its mean, moved to the dataset's
 * coordinates by `logDet` (NLL_x = NLL_y − logDet). Frees every tensor it makes.
 * @param y held-out points in the model's coordinates: [n, D] (not disposed)
 * @throws RangeError when `logDet` is not finite, or what probabilityFlowNll and summarizeNll throw (a non-finite NLL)
 */
export function heldOutNll(model: DiffusionModel, y: tf.Tensor2D, options: Omit<HeldOutOptions, 'elbo'>): HeldOutNll {
  const { grid, solver, rtol, atol, trace, logDet } = options;
  if (!Number.isFinite(logDet)) throw new RangeError(`heldOutNll: logDet must be finite; got ${logDet}`);
  const started = performance.now();
  const ode = probabilityFlowNll(model, y, { grid, solver, rtol, atol, trace, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) });
  const ms = performance.now() - started;
  const summary = summarizeNll(ode.nll, y.shape[1]);
  return {
    nll: {
      ...natsReport(summary.nats, summary.standardError, logDet, y.shape[1], ms),
      solver,
      trace: trace.kind,
      probes: trace.kind === 'hutchinson' ? trace.probes : null,
      nfe: ode.nfe,
      nfePerChunk: ode.nfePerChunk,
      rejectedSteps: ode.rejectedSteps,
      priorLogp: mean(ode.priorLogp),
      traceIntegral: mean(ode.traceIntegral),
    },
    perSampleNll: Float32Array.from(ode.nll, (v) => v - logDet),
  };
}

/**
 * The held-out likelihood of `model` (which must carry the weights to evaluate, e.g. the EMA
 * weights of runs' `loadEmaRun`): −log p by the probability-flow ODE ({@link heldOutNll}, per
 * point) and the negative ELBO of the chain on `grid` (`negativeElbo`, forward noise keyed per row
 * from `elbo.seed`), both moved to the dataset's coordinates by `logDet`. Frees every tensor it makes.
 * @param y held-out points in the model's coordinates: [n, D] (not disposed)
 */
export function heldOutLikelihood(model: DiffusionModel, y: tf.Tensor2D, options: HeldOutOptions): HeldOutLikelihood {
  const { grid, logDet } = options;
  const [n, dim] = y.shape;
  if (!Number.isFinite(logDet)) throw new RangeError(`heldOutLikelihood: logDet must be finite; got ${logDet}`);
  const { nll, perSampleNll } = heldOutNll(model, y, options);

  const started = performance.now();
  const { seed, draws, batchSize: elboBatch } = options.elbo;
  const elbo = negativeElbo(model, y, grid, { seed, draws, ...(elboBatch === undefined ? {} : { batchSize: elboBatch }) });
  const elboMs = performance.now() - started;

  return {
    dim,
    n,
    logDet,
    nll,
    negativeElbo: {
      ...natsReport(elbo.nats, elbo.standardError, logDet, dim, elboMs),
      steps: grid.length - 1,
      draws,
      perDraw: elbo.perDraw.map((v) => v - logDet),
    },
    perSampleNll,
  };
}

// ---------------------------------------------------------------------------------------------
// on a run's grid, from the dataset's coordinates

/** The parts of a run's configuration its fixed grid needs: t_0, T and the grid exponent β. */
export interface HeldOutGridConfig {
  readonly tMin: number;
  readonly T: number;
  readonly beta: number;
}

/**
 * The run's fixed grid with `steps` intervals, t_0 = `config.tMin` … t_N = `config.T`, uniform in
 * t^β (`fixedGrid`): RK4's steps and the negative ELBO's chain (and images' sampling and VP chain).
 */
export function heldOutGrid(config: HeldOutGridConfig, steps: number): TimeGrid {
  return fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta });
}

/** Held-out points in the dataset's coordinates and the affine map through which the model sees them. */
export interface HeldOutSet {
  /** x: [n, D] row-major, the dataset's coordinates. */
  readonly x: Float32Array;
  /** D ≥ 1. */
  readonly dim: number;
  /** y = T(x): [n, D] → [n, D], the model's coordinates (e.g. a normaliser's `normalize`). */
  readonly toModel: (x: Float32Array) => Float32Array;
  /** log|det ∂y/∂x| of T; 0 when the model sees the data as they are. */
  readonly logDet: number;
}

/** What {@link evaluateHeldOut} needs beyond the shared settings (all optional). */
export interface HeldOutEvalOptions {
  /** Trace of ∂v/∂x (default: exact). */
  readonly trace?: TraceEstimator;
  /** Rows per ODE solve (default: `probabilityFlowNll`'s, 512). */
  readonly batchSize?: number;
  /** Rows per negative-ELBO trajectory (default: `negativeElbo`'s, 512). */
  readonly elboBatchSize?: number;
}

/**
 * The held-out NLL and negative ELBO of `model` (which must carry the weights to evaluate, e.g.
 * the EMA weights of runs' `loadEmaRun`) on `set`, in the dataset's coordinates: the grid is the
 * run's with `settings.steps` intervals, the solver and tolerances are the settings', the ELBO's
 * K = `settings.draws` forward-noise draws are keyed from `purposeSeed(settings.seed, 'test-noise')`.
 * `settings.n` is not read: n is `set.x.length / set.dim`. Frees every tensor it makes.
 * @throws RangeError when `set.dim` is not an integer ≥ 1, `set.x` is empty or not a whole number
 * of rows, or `set.toModel` returns another length
 */
export function evaluateHeldOut(
  model: DiffusionModel,
  config: HeldOutGridConfig,
  set: HeldOutSet,
  settings: Omit<HeldOutSettings, 'n'>,
  options: HeldOutEvalOptions = {},
): HeldOutLikelihood {
  const { x, dim } = set;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`evaluateHeldOut: set.dim must be an integer ≥ 1; got ${dim}`);
  if (x.length === 0 || x.length % dim !== 0) throw new RangeError(`evaluateHeldOut: set.x must hold n ≥ 1 rows of D = ${dim}; got ${x.length} numbers`);
  const n = x.length / dim;
  const moved = set.toModel(x);
  if (moved.length !== x.length) throw new RangeError(`evaluateHeldOut: set.toModel must keep the shape [${n}, ${dim}]; it returned ${moved.length} numbers`);
  const y = tf.tensor2d(moved, [n, dim]);
  try {
    return heldOutLikelihood(model, y, {
      grid: heldOutGrid(config, settings.steps),
      solver: settings.solver,
      rtol: settings.rtol,
      atol: settings.atol,
      trace: options.trace ?? { kind: 'exact' },
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      elbo: { seed: purposeSeed(settings.seed, 'test-noise'), draws: settings.draws, ...(options.elboBatchSize === undefined ? {} : { batchSize: options.elboBatchSize }) },
      logDet: set.logDet,
    });
  } finally {
    y.dispose();
  }
}
