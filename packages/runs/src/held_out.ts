/**
 * Held-out evaluation of a trained run, the steps every experiment's `eval` shares: the run's
 * checkpoint as a model with its EMA weights ({@link loadEmaRun}), then the held-out points' NLL
 * by the probability-flow ODE and the negative ELBO of the discretised chain
 * ({@link heldOutLikelihood}), each reported in the dataset's own coordinates ({@link natsReport}).
 *
 * Coordinates: the model sees y = T(x), an affine map of the data x (a normaliser, a
 * standardiser) with log|det ∂y/∂x| = `logDet`, so p_x(x) = p_y(y)·|det ∂y/∂x| and
 *
 *   NLL_x = NLL_y − logDet   (per sample, and for every mean and bound).
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { DiffusionModel, TimeGrid } from '@diffflow/sde-core';
import { negativeElbo, probabilityFlowNll, summarizeNll, type TraceEstimator } from '@diffflow/likelihood';
import type { Checkpoint } from './checkpoint_codec.js';
import type { ExperimentError } from '@diffflow/cli';
import { loadEmaModel, type EmaModel } from './trainer_checkpoint.js';

// ---------------------------------------------------------------------------------------------
// loading a run

/** A run loaded for evaluation: the model with the EMA weights, its decoded config, the iteration, and what `build` added. */
export type LoadedRun<C, B extends { readonly model: DiffusionModel }> = Omit<EmaModel<C> & B, 'checkpoint'>;

/** How {@link loadEmaRun} finds, decodes and builds a run. */
export interface LoadRunOptions<C, B extends { readonly model: DiffusionModel }> {
  /** The checkpoint's file name inside the run folder, e.g. 'checkpoint.bin'. */
  readonly checkpoint: string;
  /** Decodes the configuration the checkpoint stored (its error becomes "its config is invalid: …"). */
  readonly decode: (ckpt: Checkpoint) => E.Either<ExperimentError, C>;
  /** Builds the model (and e.g. the normaliser read from the meta); `path` names the checkpoint in errors. */
  readonly build: (config: C, ckpt: Checkpoint, path: string) => E.Either<ExperimentError, B>;
  /** The command that trains such a run, for the hint of a missing checkpoint, e.g. 'toy2d:train'. */
  readonly train: string;
}

/**
 * Loads `<runPath>/<checkpoint>` as an evaluable model with its EMA weights (`loadEmaModel`),
 * keeping the config, the iteration and what `build` returned, not the checkpoint's bytes. A
 * missing checkpoint is `FileMissing` with the hint "no trained run in '<runPath>'; train one with
 * <train> or pass --run=<folder>"; on any error the model is released.
 */
export function loadEmaRun<C, B extends { readonly model: DiffusionModel }>(runPath: string, options: LoadRunOptions<C, B>): TE.TaskEither<ExperimentError, LoadedRun<C, B>> {
  const path = `${runPath}/${options.checkpoint}`;
  return pipe(
    loadEmaModel(path, options.decode, (config, ckpt) => options.build(config, ckpt, path), `no trained run in '${runPath}'; train one with ${options.train} or pass --run=<folder>`),
    TE.map(({ checkpoint: _bytes, ...run }) => run as LoadedRun<C, B>),
  );
}

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

/**
 * The held-out likelihood of `model` (which must carry the weights to evaluate, e.g. the EMA
 * weights from {@link loadEmaRun}): −log p by the probability-flow ODE (`probabilityFlowNll` of
 * @diffflow/likelihood, per point) and the negative ELBO of the chain on `grid` (`negativeElbo`,
 * forward noise keyed per row from `elbo.seed`), both moved to the dataset's coordinates by
 * `logDet`. Frees every tensor it makes.
 * @param y held-out points in the model's coordinates: [n, D] (not disposed)
 */
export function heldOutLikelihood(model: DiffusionModel, y: tf.Tensor2D, options: HeldOutOptions): HeldOutLikelihood {
  const { grid, solver, rtol, atol, trace, logDet } = options;
  const [n, dim] = y.shape;
  if (!Number.isFinite(logDet)) throw new RangeError(`heldOutLikelihood: logDet must be finite; got ${logDet}`);

  let started = performance.now();
  const ode = probabilityFlowNll(model, y, { grid, solver, rtol, atol, trace, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) });
  const nllMs = performance.now() - started;
  const summary = summarizeNll(ode.nll, dim);

  started = performance.now();
  const { seed, draws, batchSize: elboBatch } = options.elbo;
  const elbo = negativeElbo(model, y, grid, { seed, draws, ...(elboBatch === undefined ? {} : { batchSize: elboBatch }) });
  const elboMs = performance.now() - started;

  return {
    dim,
    n,
    logDet,
    nll: {
      ...natsReport(summary.nats, summary.standardError, logDet, dim, nllMs),
      solver,
      trace: trace.kind,
      probes: trace.kind === 'hutchinson' ? trace.probes : null,
      nfe: ode.nfe,
      nfePerChunk: ode.nfePerChunk,
      rejectedSteps: ode.rejectedSteps,
      priorLogp: mean(ode.priorLogp),
      traceIntegral: mean(ode.traceIntegral),
    },
    negativeElbo: {
      ...natsReport(elbo.nats, elbo.standardError, logDet, dim, elboMs),
      steps: grid.length - 1,
      draws,
      perDraw: elbo.perDraw.map((v) => v - logDet),
    },
    perSampleNll: Float32Array.from(ode.nll, (v) => v - logDet),
  };
}
