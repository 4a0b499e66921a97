import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint, progressBar, saveCheckpoint, type Checkpoint, type RunDir } from '../io/index.js';
import { checkpointFromState, orExit, stateFromCheckpoint } from '../cli_util.js';
import { DivergenceError, type StepMetrics, type Trainer } from './trainer.js';

/**
 * Restores a trainer from the checkpoint at `path` (weights, Adam, EMA, iteration) and returns the
 * checkpoint (its meta holds what the experiment stored beside the state). A missing or malformed
 * file exits with code 2 naming it.
 */
export async function resumeTrainer(trainer: Pick<Trainer, 'restore'>, path: string): Promise<Checkpoint> {
  const ckpt = await orExit(loadCheckpoint(path));
  const state = stateFromCheckpoint(ckpt);
  try {
    trainer.restore(state);
  } finally {
    tf.dispose([...state.tensors.values()]);
  }
  return ckpt;
}

/** Writes the trainer's state to `path` atomically, with `meta` beside it. */
export async function saveTrainer(trainer: Pick<Trainer, 'state'>, path: string, meta: Record<string, unknown>): Promise<void> {
  const state = trainer.state();
  const ckpt = checkpointFromState(state, meta);
  tf.dispose([...state.tensors.values()]);
  await orExit(saveCheckpoint(path, ckpt));
}

/** What {@link runTrainingLoop} needs besides the trainer. */
export interface TrainingLoop {
  readonly run: RunDir;
  /** Train until the trainer's iteration reaches this. */
  readonly iters: number;
  /** Save after every iteration that is a multiple of this, and at the end. */
  readonly checkpointEvery: number;
  /** Stop after this many seconds of training (0: no limit); the run then ends as if `iters` were reached. */
  readonly maxSeconds?: number;
  /** The progress bar's label. */
  readonly label: string;
  /** Where the checkpoint goes, and what the experiment stores beside the trainer's state. */
  readonly checkpoint: { readonly path: string; readonly meta: () => Record<string, unknown> };
  /** An iteration's line for metrics.jsonl and the loss the progress bar shows. */
  readonly record: (m: StepMetrics) => { readonly line: object; readonly loss: number };
  /** Releases what the caller holds before the process exits on divergence. */
  readonly onDivergence?: () => void;
}

/**
 * The loop every DiffFlow experiment trains with: step, append the metrics line, update the
 * progress bar (its rate measured afresh when the training phase changes), checkpoint every
 * `checkpointEvery` iterations and once at the end. A
 * `DivergenceError` saves the last good weights, prints one `error:` line naming the checkpoint and
 * exits with code 3; any other error propagates.
 */
export async function runTrainingLoop(trainer: Trainer, loop: TrainingLoop): Promise<{ trainSeconds: number; stoppedByTime: boolean }> {
  const bar = progressBar({ total: loop.iters, label: loop.label });
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  const save = (): Promise<void> => saveTrainer(trainer, loop.checkpoint.path, loop.checkpoint.meta());
  let stoppedByTime = false;
  let phase = trainer.phaseAt(trainer.iteration);
  try {
    while (trainer.iteration < loop.iters) {
      if ((loop.maxSeconds ?? 0) > 0 && elapsed() >= (loop.maxSeconds as number)) {
        stoppedByTime = true;
        break;
      }
      const m = trainer.step();
      const { line, loss } = loop.record(m);
      await orExit(loop.run.appendMetrics(line));
      bar.update(trainer.iteration, { loss, itPerSec: 1000 / m.ms });
      if (trainer.phaseAt(trainer.iteration) !== phase) {
        phase = trainer.phaseAt(trainer.iteration);
        bar.restartRate(); // a trajectory-KL iteration costs several warm-up ones
      }
      if (trainer.iteration % loop.checkpointEvery === 0) await save();
    }
  } catch (e) {
    bar.stop();
    if (e instanceof DivergenceError) {
      loop.onDivergence?.();
      await save();
      console.error(`error: ${e.message}; checkpoint ${loop.checkpoint.path} holds the last good weights`);
      process.exit(3);
    }
    throw e;
  }
  bar.stop();
  const trainSeconds = elapsed();
  await save();
  return { trainSeconds, stoppedByTime };
}
