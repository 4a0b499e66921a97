/**
 * Trains the DDPM baselines in a worker thread, on the second core, while the main thread trains
 * DiffFlow. The worker runs exactly `trainDdpm` (same seeds, same backend, so the same weights as
 * in the main thread) and leaves the finished model in the run folder's checkpoint, which the main
 * thread then loads.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '@diffflow/adjoint';
import type { ToyName } from '@diffflow/datasets';
import { DivergenceError } from '@diffflow/training';
import { ExperimentFailure, type ExperimentError } from '@diffflow/cli';
import type { CompareConfig } from './config.js';
import type { TrainingRecord } from './models.js';

export type ToDdpmWorker = { readonly type: 'train'; readonly id: number; readonly dataset: ToyName };
export type FromDdpmWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly training: TrainingRecord }
  | { readonly type: 'error'; readonly id: number; readonly error: WorkerFailure };

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

export interface DdpmPool {
  /** Trains DDPM on `dataset` in the worker; resolves when its final checkpoint is written. */
  train(dataset: ToyName): Promise<TrainingRecord>;
  close(): Promise<void>;
}

export function ddpmPool(data: DdpmWorkerData): DdpmPool {
  const worker = spawn(data);
  const pending = new Map<number, { resolve: (r: TrainingRecord) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  let nextId = 0;
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const failAll = (e: Error): void => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    ready();
  };
  worker.on('message', (m: FromDdpmWorker) => {
    if (m.type === 'ready') return ready();
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.training);
    else p.reject(typedError(m.error));
  });
  worker.on('error', (e) => failAll(e instanceof Error ? e : new Error(String(e))));
  worker.on('exit', (code) => failAll(new Error(`the DDPM worker thread exited (code ${code})`)));
  return {
    async train(dataset) {
      await started;
      if (failure !== undefined) throw failure;
      const id = nextId++;
      return new Promise<TrainingRecord>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'train', id, dataset } satisfies ToDdpmWorker);
      });
    },
    async close() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

/** The worker entry next to this module, from dist or (through tsx) from sources: @diffflow/adjoint's `startModuleWorker`. */
function spawn(workerData: DdpmWorkerData): Worker {
  return startModuleWorker(import.meta.url, './ddpm_worker', { workerData });
}
