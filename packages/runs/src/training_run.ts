import { trainUntil, type LoopResult, DivergenceError, type TrainerState } from '@diffflow/training';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { describeCause, ioFailed, orThrow, progressBar, type ExperimentError } from '@diffflow/cli';
import type { RunDir } from './run_dir.js';
import { saveTrainer } from './trainer_checkpoint.js';

const makeFolder = (folder: string): TE.TaskEither<ExperimentError, unknown> =>
  TE.tryCatch(
    () => mkdir(folder, { recursive: true }),
    (e) => ioFailed(folder, describeCause(e)),
  );

/** What {@link runTrainingLoop} trains: any trainer that steps, reports its time and snapshots. */
export interface RunTrainable<M extends { readonly ms: number }> {
  readonly iteration: number;
  /** Runs one iteration and returns its metrics. */
  step(): M;
  /** A snapshot of the trainer, for checkpoints. */
  state(): TrainerState;
  /** The loss an iteration trains on; the progress bar's rate restarts when it changes. */
  phaseAt?(iteration: number): string;
}

/** What {@link runTrainingLoop} needs besides the trainer. */
export interface TrainingLoop<M> {
  readonly run: RunDir;
  /** Train until the trainer's iteration reaches this. */
  readonly iters: number;
  /** Save after every iteration that is a multiple of this, and at the end. */
  readonly checkpointEvery: number;
  /** Stop after this many seconds of training (0: no limit); the run then ends as if `iters` were reached. */
  readonly maxSeconds?: number;
  /** The progress bar's label. */
  readonly label: string;
  /** A live bar (true) or plain progress lines (false); default: a bar on a terminal. */
  readonly progressTty?: boolean;
  /** Where the checkpoint goes (its folder is created when missing), and what the experiment stores beside the trainer's state. */
  readonly checkpoint: {
    /** Where the checkpoint is written. */
    readonly path: string;
    /** The metadata saved with it (called at each save). */
    readonly meta: () => Record<string, unknown>;
  };
  /** An iteration's line for metrics.jsonl and the loss the progress bar shows. */
  readonly record: (m: M) => { readonly line: object; readonly loss: number };
  /** Append a metrics line after every this many iterations, and after the last (default 1). */
  readonly logEvery?: number;
  /** Releases what the caller holds when training diverges, before the last good weights are saved. */
  readonly onDivergence?: () => void;
}

/**
 * The loop every experiment trains with (`trainUntil` with a run folder): step, append the
 * metrics line, update the progress bar (its rate measured afresh when the training phase
 * changes), checkpoint every `checkpointEvery` iterations and once at the end. On divergence the
 * last good weights are saved and a `DivergenceError` naming the checkpoint is thrown (the CLI
 * runner exits with code 3); a file that cannot be written rejects with an `ExperimentFailure`.
 */
export async function runTrainingLoop<M extends { readonly ms: number }>(trainer: RunTrainable<M>, loop: TrainingLoop<M>): Promise<LoopResult> {
  if (trainer.iteration >= loop.iters) return { trainSeconds: 0, stoppedByTime: false };
  const bar = progressBar({ total: loop.iters, label: loop.label, ...(loop.progressTty === undefined ? {} : { tty: loop.progressTty }) });
  const logEvery = loop.logEvery ?? 1;
  let phase = trainer.phaseAt?.(trainer.iteration);
  let folderMade = false;
  try {
    return await trainUntil(trainer, {
      iters: loop.iters,
      checkpointEvery: loop.checkpointEvery,
      ...(loop.maxSeconds === undefined ? {} : { maxSeconds: loop.maxSeconds }),
      afterStep: async (m, iteration) => {
        const { line, loss } = loop.record(m);
        if (iteration % logEvery === 0 || iteration === loop.iters) await orThrow(loop.run.appendMetrics(line));
        bar.update(iteration, { loss, itPerSec: 1000 / m.ms });
        const next = trainer.phaseAt?.(iteration);
        if (next !== phase) {
          phase = next;
          bar.restartRate(); // a trajectory-KL iteration costs several warm-up ones
        }
      },
      save: async () => {
        if (!folderMade) {
          await orThrow(makeFolder(dirname(loop.checkpoint.path)));
          folderMade = true;
        }
        await saveTrainer(trainer, loop.checkpoint.path, loop.checkpoint.meta());
      },
      ...(loop.onDivergence === undefined ? {} : { onDivergence: loop.onDivergence }),
    });
  } catch (e) {
    if (e instanceof DivergenceError) throw new DivergenceError(e.iteration, e.term, loop.checkpoint.path);
    throw e;
  } finally {
    bar.stop();
  }
}
