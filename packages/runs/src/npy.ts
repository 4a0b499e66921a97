/**
 * NumPy `.npy` files of a run, so its arrays open with `np.load`: the file I/O around the one
 * .npy module of the workspace, `@diffflow/datasets`' (`encodeNpyArray`, `decodeNpyArray`), whose
 * errors are the same `DatasetError`s a data loader gives.
 */
import { readFile } from 'node:fs/promises';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { decodeNpyArray, encodeNpyArray, type NpyTypedArray, type NpyTypedArrayFile } from '@diffflow/datasets';
import { writeFileAtomic } from './atomic.js';
import { fromFsError, type ExperimentError } from '@diffflow/cli';

/**
 * Writes `data` with `shape` as an .npy v1.0 file (float32, int32 or uint8, C order), atomically
 * (temporary file, then rename). A shape that does not match the data is a programming error: a
 * RangeError, thrown at once.
 */
export function writeNpy(path: string, data: NpyTypedArray, shape: readonly number[]): TE.TaskEither<ExperimentError, void> {
  const bytes = encodeNpyArray(data, shape);
  return writeFileAtomic(path, bytes);
}

/** Reads an .npy file of float32, int32 or uint8 values. Missing → `FileMissing`; truncated, foreign or unsupported → the datasets package's error saying what. */
export function readNpy(path: string): TE.TaskEither<ExperimentError, NpyTypedArrayFile> {
  return pipe(
    TE.tryCatch(
      () => readFile(path),
      (e) => fromFsError(path, e),
    ),
    TE.chainEitherKW((bytes) => decodeNpyArray(bytes, path)),
  );
}
