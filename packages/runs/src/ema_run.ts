/**
 * A trained run as an evaluable model: its checkpoint's EMA weights in the model its stored
 * configuration builds ({@link loadEmaRun}), what every experiment's `eval` and `sample` start from.
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import type * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { DiffusionModel } from '@diffflow/sde-core';
import type { Checkpoint } from './checkpoint_codec.js';
import type { ExperimentError } from '@diffflow/cli';
import { loadEmaModel, type EmaModel } from './trainer_checkpoint.js';

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
