import * as tf from '@tensorflow/tfjs-core';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import * as E from 'fp-ts/lib/Either.js';
import { disposeModel, namedParameters, type TrainerState } from '@diffflow/training';
import type { DiffusionModel } from '@diffflow/sde-core';
import { assignTensors, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint_codec.js';
import { fileMalformed, formatError, orThrow, type ExperimentError } from '@diffflow/cli';

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

/** What can be snapshotted and restored: DiffFlow's `Trainer`, the DDPM baseline's. */
export interface Restorable {
  /** A snapshot of the trainer (tensors are copies the caller disposes). */
  state(): TrainerState;
  /** Restores a snapshot taken by `state()`. */
  restore(state: TrainerState): void;
}

/**
 * Restores a trainer from the checkpoint at `path` (weights, Adam, EMA, iteration) and returns the
 * checkpoint (its meta holds what the experiment stored beside the state). A missing or malformed
 * file rejects with an `ExperimentFailure` naming it.
 */
export async function resumeTrainer(trainer: Pick<Restorable, 'restore'>, path: string): Promise<Checkpoint> {
  const ckpt = await orThrow(loadCheckpoint(path));
  const state = stateFromCheckpoint(ckpt);
  try {
    trainer.restore(state);
  } finally {
    tf.dispose([...state.tensors.values()]);
  }
  return ckpt;
}

/** Writes the trainer's state to `path` atomically, with `meta` beside it. */
export async function saveTrainer(trainer: Pick<Restorable, 'state'>, path: string, meta: Record<string, unknown>): Promise<void> {
  const state = trainer.state();
  const ckpt = checkpointFromState(state, meta);
  tf.dispose([...state.tensors.values()]);
  await orThrow(saveCheckpoint(path, ckpt));
}

/** A run's checkpoint as an evaluable model: the EMA weights, and what decoding found. */
export interface EmaModel<C> {
  readonly checkpoint: Checkpoint;
  readonly config: C;
  readonly model: DiffusionModel;
  /** The training iteration the checkpoint was saved at (meta.iteration), null when it has none. */
  readonly iteration: number | null;
}

/**
 * Loads the checkpoint at `path`, decodes the configuration stored in it (`decode`; its error
 * becomes `FileMalformed` "its config is invalid: …" naming the file), builds the model (`build`,
 * which may return more than the model, e.g. a normaliser read from the meta) and assigns the EMA
 * weights ('ema/drift/…', 'ema/score/…'). On any error the model is released and only the error
 * is returned; a missing file's `FileMissing` carries `missingHint` (what to do instead).
 */
export function loadEmaModel<C, B extends { readonly model: DiffusionModel }>(
  path: string,
  decode: (ckpt: Checkpoint) => E.Either<ExperimentError, C>,
  build: (config: C, ckpt: Checkpoint) => E.Either<ExperimentError, B>,
  missingHint?: string,
): TE.TaskEither<ExperimentError, EmaModel<C> & B> {
  return async () => {
    const loaded = await loadCheckpoint(path)();
    if (E.isLeft(loaded)) return E.left(loaded.left._tag === 'FileMissing' && missingHint !== undefined ? { ...loaded.left, hint: missingHint } : loaded.left);
    const checkpoint = loaded.right;
    const config = decode(checkpoint);
    if (E.isLeft(config)) return E.left(fileMalformed(path, `its config is invalid: ${formatError(config.left)}`));
    const built = build(config.right, checkpoint);
    if (E.isLeft(built)) return built;
    const assigned = assignTensors(namedParameters(built.right.model), checkpoint.tensors, 'ema', { source: path });
    if (E.isLeft(assigned)) {
      disposeModel(built.right.model);
      return assigned;
    }
    const iteration = checkpoint.meta['iteration'];
    return E.right({ ...built.right, checkpoint, config: config.right, iteration: typeof iteration === 'number' ? iteration : null });
  };
}

/** Fields renamed since checkpoints were first written: old name → new name. */
export const renamedConfigFields: Readonly<Record<string, string>> = { batch: 'batchSize' };

/**
 * The configuration a checkpoint stored (`meta.config`, `{}` when absent), with fields renamed
 * since it was written (`renamedConfigFields`: `batch` → `batchSize`) under their new name,
 * so runs trained before a rename still sample and evaluate.
 */
export function storedConfig(ckpt: Checkpoint): Record<string, unknown> {
  const raw = ckpt.meta['config'];
  const stored = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(stored).map(([k, v]) => [renamedConfigFields[k] !== undefined && !(renamedConfigFields[k] as string in stored) ? (renamedConfigFields[k] as string) : k, v]));
}

