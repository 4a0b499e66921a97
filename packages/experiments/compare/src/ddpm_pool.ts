/**
 * Trains the DDPM baselines in a worker thread, on the second core, while the main thread trains
 * DiffFlow. The worker — one of the parallel runtime's (`taskWorker` of @diffflow/parallel) — runs
 * exactly `trainDdpm` (same seeds, same backend, so the same weights as in the main thread) and
 * leaves the finished model in the run folder's checkpoint, which the main thread then loads.
 */
import { taskWorker } from '@diffflow/parallel';
import type { ToyName } from '@diffflow/datasets';
import { DivergenceError } from '@diffflow/training';
import { ExperimentFailure, orThrow, type ExperimentError } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { toyNormalizer } from '@diffflow/experiment-toy2d';
import { compareNonIdentityFields, runIdentity, type CompareConfig } from './config.js';
import { trainDdpm, type TrainingRecord } from './models.js';

/** A worker's error as plain data (what crosses the thread boundary), rebuilt typed by {@link typedError}. */
export type WorkerFailure =
  | { readonly kind: 'diverged'; readonly iteration: number; readonly term: string; readonly checkpoint?: string }
  | { readonly kind: 'input'; readonly error: ExperimentError }
  | { readonly kind: 'other'; readonly message: string };

/** The plain-data form of an error thrown in the worker. */
export function workerFailure(e: unknown): WorkerFailure {
  if (e instanceof DivergenceError) return { kind: 'diverged', iteration: e.iteration, term: e.term, ...(e.checkpoint === undefined ? {} : { checkpoint: e.checkpoint }) };
  if (e instanceof ExperimentFailure) return { kind: 'input', error: e.error };
  return { kind: 'other', message: e instanceof Error ? e.message : String(e) };
}

/** The worker's error as the main thread rethrows it: the same class, so the CLI runner picks the same exit code. */
export function typedError(f: WorkerFailure): Error {
  switch (f.kind) {
    case 'diverged':
      return new DivergenceError(f.iteration, f.term, f.checkpoint);
    case 'input':
      return new ExperimentFailure(f.error);
    case 'other':
      return new Error(`DDPM worker: ${f.message}`);
  }
}

/** What the worker needs to open the run folder and train. */
export interface DdpmWorkerData {
  readonly config: CompareConfig;
  readonly backend: string;
}

/** A DDPM task's outcome as plain data: its training record, or its error as {@link workerFailure} wrote it. */
export type DdpmTaskResult = { readonly training: TrainingRecord } | { readonly failure: WorkerFailure };

/**
 * The task a worker runs (through @diffflow/parallel's `taskWorker`): trains DDPM on `dataset` with
 * `trainDdpm` into the run folder the main thread opened (opened here as the same run), leaving the
 * final checkpoint there. Errors come back as data, so the main thread rethrows them typed.
 */
export async function trainDdpmTask(config: CompareConfig, dataset: ToyName): Promise<DdpmTaskResult> {
  try {
    const run = await orThrow(openRunDir(config.out, { config: runIdentity(config), resume: true, nonIdentity: [...compareNonIdentityFields], extraExtensions: ['.md'] }));
    const ddpm = await trainDdpm(config, run, dataset, toyNormalizer(dataset, config.seed), { resume: config.resume, progressTty: false });
    const training = ddpm.training;
    ddpm.dispose();
    return { training };
  } catch (e) {
    return { failure: workerFailure(e) };
  }
}

export interface DdpmPool {
  /** Trains DDPM on `dataset` in the worker; resolves when its final checkpoint is written. */
  train(dataset: ToyName): Promise<TrainingRecord>;
  close(): Promise<void>;
}

/** A worker thread of the parallel runtime (`taskWorker`, on `data.backend`) that trains the DDPM baselines with {@link trainDdpmTask}, one dataset at a time. */
export function ddpmPool(data: DdpmWorkerData): DdpmPool {
  const worker = taskWorker({ backend: data.backend });
  worker.catch(() => undefined); // reported by the first train()
  return {
    async train(dataset) {
      const result = await (await worker).run<DdpmTaskResult>({ module: import.meta.url, name: 'trainDdpmTask' }, data.config, dataset);
      if ('failure' in result) throw typedError(result.failure);
      return result.training;
    },
    async close() {
      await (await worker.catch(() => undefined))?.dispose();
    },
  };
}
