/**
 * Trains the DDPM baselines in a worker thread, on the second core, while the main thread trains
 * DiffFlow. The worker — one of the parallel runtime's (`taskWorker` of @diffflow/parallel) — runs
 * exactly `trainDdpm` (same seeds, same backend, so the same weights as in the main thread) and
 * leaves the finished model in the run folder's checkpoint, which the main thread then loads.
 */
import { taskWorker } from '@diffflow/parallel';
import type { ToyName } from '@diffflow/datasets';
import { orThrow, outcomeOf, valueOf, type Outcome } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { toyNormalizer } from '@diffflow/experiment-toy2d';
import { compareNonIdentityFields, runIdentity, type CompareConfig } from './config.js';
import { trainDdpm, type TrainingRecord } from './models.js';

/**
 * The task a worker runs (through @diffflow/parallel's `taskWorker`): trains DDPM on `dataset` with
 * `trainDdpm` into the run folder the main thread opened (opened here as the same run), leaving the
 * final checkpoint there. Errors come back as data (cli's `outcomeOf`), so the main thread rethrows them typed.
 */
export async function trainDdpmTask(config: CompareConfig, dataset: ToyName): Promise<Outcome<TrainingRecord>> {
  return outcomeOf(async () => {
    const run = await orThrow(openRunDir(config.out, { config: runIdentity(config), resume: true, nonIdentity: [...compareNonIdentityFields], extraExtensions: ['.md'] }));
    const ddpm = await trainDdpm(config, run, dataset, toyNormalizer(dataset, config.seed), { resume: config.resume, progressTty: false });
    ddpm.dispose();
    return ddpm.training;
  });
}

export interface DdpmPool {
  /** Trains DDPM on `dataset` in the worker; resolves when its final checkpoint is written, rejects typed (divergence → exit 3, bad input → 2). */
  train(dataset: ToyName): Promise<TrainingRecord>;
  close(): Promise<void>;
}

/** A worker thread of the parallel runtime (`taskWorker`, on `backend`) that trains the DDPM baselines with {@link trainDdpmTask}, one dataset at a time. */
export function ddpmPool(config: CompareConfig, backend: string): DdpmPool {
  const worker = taskWorker({ backend });
  worker.catch(() => undefined); // reported by the first train()
  return {
    train: async (dataset) => valueOf(await (await worker).run<Outcome<TrainingRecord>>({ module: import.meta.url, name: 'trainDdpmTask' }, config, dataset), 'DDPM worker'),
    close: async () => (await worker.catch(() => undefined))?.dispose(),
  };
}
