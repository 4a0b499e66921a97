import type { DiffusionModel } from '@diffflow/sde-core';
import { dataParallel, type DataParallel, type DataParallelOptions, type SampleOptions } from '@diffflow/parallel';

/**
 * Starts a pool (`dataParallel(options)` of @diffflow/parallel: `threads − 1` workers and this
 * thread; `threads: 1` computes in-process), runs `use` with it and disposes it afterwards, also when
 * `use` throws or rejects.
 */
export async function withPool<T>(options: DataParallelOptions, use: (pool: DataParallel) => Promise<T>): Promise<T> {
  const pool = await dataParallel(options);
  try {
    return await use(pool);
  } finally {
    await pool.dispose();
  }
}

/**
 * `options.n` samples of `model`'s current weights (a caller that wants the EMA weights swaps them
 * in), split across `pool`'s threads, read into one array: float32 [n, ...shape] row-major in the
 * model's coordinates (each row keyed by its index: the same values on one thread or many). The
 * samples tensor is disposed, also when reading it throws.
 */
export async function poolSamples(pool: DataParallel, model: DiffusionModel, options: SampleOptions): Promise<Float32Array> {
  const samples = await pool.sample(model, options);
  try {
    return samples.dataSync() as Float32Array;
  } finally {
    samples.dispose();
  }
}

/** What {@link sampleOnPool} drew: the values (model coordinates), the sampling time and the threads it used. */
export interface PooledSamples {
  /** float32 [n, ...shape] row-major, model coordinates. */
  readonly values: Float32Array;
  /** Milliseconds of sampling, the pool's start-up excluded. */
  readonly ms: number;
  /** The pool's shards (threads sampling). */
  readonly threads: number;
}

/**
 * A sample command's draw: starts a pool on `pool.threads` threads (before the clock: a worker's
 * start-up, a second or two, is not sampling time), draws with {@link poolSamples}, times it and
 * disposes the pool (also on failure).
 */
export async function sampleOnPool(pool: DataParallelOptions, model: DiffusionModel, options: SampleOptions): Promise<PooledSamples> {
  return withPool(pool, async (p) => {
    const started = performance.now();
    const values = await poolSamples(p, model, options);
    return { values, ms: performance.now() - started, threads: p.shards };
  });
}
