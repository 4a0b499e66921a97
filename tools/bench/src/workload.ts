/**
 * The benchmark's workloads, and the only file of the bench that calls the library: the reference
 * model (two Fourier-time MLPs 3 × 128, g = 0.2), the anchor's grid, one timed iteration of each
 * row (training with a gradient strategy, in-process or data-parallel; sampling), and the pieces
 * the profiler runs alone (one chunk of a shard, one sampling shard). When the library's API moves,
 * this file moves with it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { fixedGrid, forwardNoise, replayableNormals, replayableUniforms } from '@diffflow/sde-core';
import { sampleMarginal } from '@diffflow/likelihood';
import { adjointStrategy, defaultDriftCacheBytes, disposeGradientResult, gradientStrategy } from '@diffflow/adjoint';
import { modelFromSpec } from '@diffflow/networks';
import { dataParallel } from '@diffflow/parallel';
import type { MlpShape, SamplerPath } from './flops.js';

/** The reference 2-D model at width `hidden` (the anchor's is 128; the toy2d main job's 64). */
export const specOf = (hidden: number) =>
  ({
    drift: { dim: 2, hidden, layers: 3, seed: 1, name: 'drift' },
    score: { dim: 2, hidden, layers: 3, seed: 2, name: 'score' },
    diffusion: { kind: 'constant', value: 0.2 },
  }) as const;

/** The reference 2-D model, as the anchor builds it. */
export const referenceSpec = specOf(128);

/** The flop-relevant shape of both reference networks. */
export const referenceShape: MlpShape = { dim: 2, hidden: 128, layers: 3 };

/** {@link referenceShape} at width `hidden`. */
export const shapeOf = (hidden: number): MlpShape => ({ ...referenceShape, hidden });

/**
 * The adjoint's drift-cache budget when none is given: the library's `defaultDriftCacheBytes`
 * (80 MiB), read from it so that the flop count follows it; `--check` compares the flop count
 * derived with it to the profiled one.
 */
export const driftCacheBytes = defaultDriftCacheBytes;

/**
 * How a sampling shard runs: `sampleMarginal` of @diffflow/likelihood first probes drift and
 * score on one row (`checkModelShape`), then integrates blocks of at most 1024 rows (its default
 * `batchSize`). `--check` catches a change.
 */
export const samplerPath: SamplerPath = { probeRows: 1, batchRows: 1024 };

/** `dataParallel`'s default chunkRows. */
export const defaultChunkRows = 2048;

/** The anchor's grid: N steps uniform in t^0.9 from 1e-3 to 0.05. */
export const referenceGrid = (steps: number): number[] => [...fixedGrid({ steps, tMin: 1e-3, tMax: 0.05, beta: 0.9 })];

/** What a row runs: training (gradients + Adam + loss read back) or one draw of samples. */
export interface WorkloadJob {
  readonly what: 'adjoint' | 'naive' | 'sample';
  /** Rows: the batch, or the points drawn. */
  readonly batch: number;
  readonly steps: number;
  /** Split over dataParallel shards (worker threads plus the calling thread). */
  readonly parallel: boolean;
  /** dataParallel's workers (null: its default, cores − 1). */
  readonly workers: number | null;
  /** dataParallel's chunkRows (null: its default). */
  readonly chunkRows: number | null;
  /** Width of both networks (default 128, the reference). */
  readonly hidden?: number;
  /**
   * Rows [start, end) of the batch only, on this thread (training, not parallel): x_0's rows and
   * those rows of the batch's forward noise, what one shard of a row split computes, then Adam.
   * Default: the whole batch.
   */
  readonly rows?: readonly [number, number];
}

/** A started workload: its iteration and what it runs on. */
export interface Workload {
  /** One timed unit (training iteration or draw); returns the loss (or a sample statistic). */
  iteration(index: number): Promise<number>;
  /** Shards an iteration is split over (1 in-process). */
  readonly shards: number;
  /** The backend, e.g. 'wasm'. */
  readonly backend: string;
  dispose(): Promise<void>;
}

/** The anchor's data: N(0, 0.5²) around a random corner (±1, ±1); the timing does not depend on it. */
function anchorBatch(batch: number, iteration: number): tf.Tensor2D {
  const normal = replayableNormals(2 * batch, { seed: 0, purpose: 'data', iteration, step: 0 });
  const corner = replayableUniforms(2 * batch, { seed: 0, purpose: 'data/corner', iteration, step: 0 });
  return tf.tensor2d(Float32Array.from(normal, (z, i) => 0.5 * z + ((corner[i] as number) < 0.5 ? -1 : 1)), [batch, 2]);
}

/** Starts the backend (`selectBackend`), the model and, for a parallel job, the worker pool. */
export async function startWorkload(job: WorkloadJob): Promise<Workload> {
  const rows = job.rows ?? null;
  if (rows !== null) {
    const [start, end] = rows;
    if (job.what === 'sample' || job.parallel) throw new RangeError(`startWorkload: rows are for one-thread training, not a ${job.parallel ? 'parallel ' : ''}'${job.what}' job`);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > job.batch) {
      throw new RangeError(`startWorkload: rows must be integers with 0 ≤ start < end ≤ batch (${job.batch}), got [${start}, ${end})`);
    }
  }
  const info = await selectBackend({ quiet: true });
  const spec = specOf(job.hidden ?? 128);
  const model = modelFromSpec(spec);
  const grid = referenceGrid(job.steps);
  const strategy = job.what === 'naive' ? 'naive' : 'adjoint';
  const pool = job.parallel
    ? await dataParallel({
        spec,
        strategy,
        ...(job.workers === null ? {} : { workers: job.workers }),
        ...(job.chunkRows === null ? {} : { chunkRows: job.chunkRows }),
      })
    : null;
  const optimizer = tf.train.adam(1e-3);
  const iteration = async (it: number): Promise<number> => {
    if (job.what === 'sample') {
      const options = { n: job.batch, grid, seed: it };
      const x = pool === null ? sampleMarginal(model, { ...options, lambda: 1, shape: [2], rows: [0, job.batch] }).samples : await pool.sample(model, options);
      const v = tf.tidy(() => tf.mean(tf.abs(x)).dataSync()[0] as number);
      x.dispose();
      return v;
    }
    const x0 = rows === null ? anchorBatch(job.batch, it) : tf.tidy(() => tf.slice(anchorBatch(job.batch, it), rows[0], rows[1] - rows[0]));
    const result =
      pool === null
        ? gradientStrategy(strategy)(model, x0, grid, rows === null ? forwardNoise(0, it) : forwardNoise(0, it, rows))
        : await pool.gradients(model, x0, grid, { seed: 0, iteration: it });
    optimizer.applyGradients(Object.entries(result.grads).map(([name, tensor]) => ({ name, tensor })));
    const loss = result.loss.bound.dataSync()[0] as number;
    disposeGradientResult(result);
    x0.dispose();
    return loss;
  };
  const dispose = async (): Promise<void> => {
    await pool?.dispose();
    optimizer.dispose();
    model.sde.drift.dispose();
    model.score.dispose();
  };
  return { iteration, shards: pool?.shards ?? 1, backend: info.name, dispose };
}

/** One piece of a row, run alone on the calling thread (what one shard or chunk computes). */
export interface Piece {
  /** Runs the piece once (synchronously, so `tf.profile` sees all of it); frees what it made. */
  run(): void;
  dispose(): void;
}

/**
 * The adjoint on `rows` rows on this thread, with what a chunk of a shard gets: its rows of the
 * batch's forward noise (rows [offset, offset + rows)). `cacheBytes` overrides the drift-cache budget,
 * `scoreBytes` the batched-score budget.
 */
export function adjointChunk(rows: number, steps: number, offset = 0, cacheBytes?: number, hidden = 128, scoreBytes?: number): Piece {
  const model = modelFromSpec(specOf(hidden));
  const grid = referenceGrid(steps);
  const x0 = anchorBatch(rows, 1);
  const strategy =
    cacheBytes === undefined && scoreBytes === undefined
      ? gradientStrategy('adjoint')
      : adjointStrategy({ ...(cacheBytes === undefined ? {} : { driftCacheBytes: cacheBytes }), ...(scoreBytes === undefined ? {} : { batchedScoreBytes: scoreBytes }) });
  return {
    run: () => disposeGradientResult(strategy(model, x0, grid, forwardNoise(0, 1, [offset, offset + rows]))),
    dispose: () => {
      x0.dispose();
      model.sde.drift.dispose();
      model.score.dispose();
    },
  };
}

/**
 * Rows [start, end) of a draw of n samples on this thread (what one sampling shard computes):
 * `sampleMarginal` with `rows`, its block size `batchRows` when given (else its default).
 */
export function samplingShard(n: number, start: number, end: number, steps: number, batchRows?: number, hidden = 128): Piece {
  const model = modelFromSpec(specOf(hidden));
  const grid = referenceGrid(steps);
  const draw = (): tf.Tensor =>
    sampleMarginal(model, { grid, n, seed: 1, shape: [2], rows: [start, end], lambda: 1, ...(batchRows === undefined ? {} : { batchSize: batchRows }) }).samples;
  return {
    run: () => draw().dispose(),
    dispose: () => {
      model.sde.drift.dispose();
      model.score.dispose();
    },
  };
}

/** The forward noise δ^F of N steps for `rows` rows, drawn once (what the rollout draws, and the replay again). */
export function forwardNoisePass(rows: number, steps: number): Piece {
  const noise = forwardNoise(0, 1, [0, rows]);
  return {
    run: () => {
      for (let i = 0; i < steps; i++) noise(i, [rows, 2]).dispose();
    },
    dispose: () => undefined,
  };
}

/** Starts the backend the rows run on (`selectBackend`); returns its name. */
export async function startBackend(): Promise<string> {
  return (await selectBackend({ quiet: true })).name;
}
