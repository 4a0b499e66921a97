import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { exitWithError, type Checkpoint, type ExperimentError } from './io/index.js';
import type { TrainerState } from './train/trainer.js';

export { orExit } from './io/index.js';

/** Unwraps a decoded value or exits with code 2 naming the field. */
export function orExitSync<A>(result: E.Either<ExperimentError, A>): A {
  if (E.isLeft(result)) return exitWithError(result.left);
  return result.right;
}

/** A trainer snapshot as a checkpoint: tensors by stable name, counters and `extra` in meta. */
export function checkpointFromState(state: TrainerState, extra: Record<string, unknown>): Checkpoint {
  const tensors: Checkpoint['tensors'] = {};
  for (const [name, t] of state.tensors) tensors[name] = { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
  return { meta: { ...extra, iteration: state.iteration, adamStep: state.adamStep, emaUpdates: state.emaUpdates }, tensors };
}

/** The trainer snapshot stored in a checkpoint (the caller disposes its tensors after restoring). */
export function stateFromCheckpoint(ckpt: Checkpoint): TrainerState {
  const count = (key: string): number => {
    const v = ckpt.meta[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`checkpoint meta.${key} must be an integer ≥ 0, got ${String(v)}`);
    return v;
  };
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, { shape, data }] of Object.entries(ckpt.tensors)) tensors.set(name, tf.tensor(data, shape, 'float32'));
  return { iteration: count('iteration'), adamStep: count('adamStep'), emaUpdates: count('emaUpdates'), tensors };
}
