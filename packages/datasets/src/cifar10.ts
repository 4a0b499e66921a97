/**
 * CIFAR-10, binary version (Krizhevsky 2009): each batch file is a sequence of 3073-byte records,
 * one label byte (0…9) then 3072 pixel bytes — the 1024 red values, then green, then blue, each
 * a 32 × 32 image row-major. The five training batches are data_batch_1.bin … data_batch_5.bin
 * (10,000 records each), the test batch test_batch.bin. The format has no magic number, so a file
 * is accepted when its size is a whole number of records and every label is in 0…9.
 */
import { join } from 'node:path';
import * as A from 'fp-ts/lib/Array.js';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { datasetError, obtainHints, type DatasetError } from './errors.js';
import { exists, readBytes } from './files.js';
import { concatImages, type ImageDataset } from './images.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
/** Bytes per record: 1 label + 3 × 32 × 32 pixels. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * PLANE;

/**
 * Parses one binary batch into channels-last images.
 * @returns ImageDataset [n, 32, 32, 3], n = bytes / 3073
 */
export function parseCifar10Batch(bytes: Uint8Array, path: string): E.Either<DatasetError, ImageDataset> {
  if (bytes.length === 0) return E.left(datasetError.truncated(path, CIFAR10_RECORD_BYTES, 0));
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    return E.left(datasetError.truncated(path, Math.ceil(bytes.length / CIFAR10_RECORD_BYTES) * CIFAR10_RECORD_BYTES, bytes.length));
  }
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(n * 3 * PLANE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR10_RECORD_BYTES;
    const label = bytes[rec]!;
    if (label > 9) return E.left(datasetError.malformed(path, `record ${i} (byte ${rec}) has label ${label}, expected 0…9 (is this a CIFAR-10 binary batch?)`));
    labels[i] = label;
    const out = i * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[rec + 1 + p]!;
      images[out + 3 * p + 1] = bytes[rec + 1 + PLANE + p]!;
      images[out + 3 * p + 2] = bytes[rec + 1 + 2 * PLANE + p]!;
    }
  }
  return E.right({ images, labels, n, height: SIDE, width: SIDE, channels: 3 });
}

/** Reads and concatenates binary batches, in the given order. */
export function loadCifar10Batches(paths: readonly string[]): TE.TaskEither<DatasetError, ImageDataset> {
  if (paths.length === 0) return TE.left(datasetError.malformed('(no files)', 'loadCifar10Batches needs at least one batch file'));
  return pipe(
    A.map((path: string) => pipe(readBytes(path, obtainHints.cifar10), TE.chainEitherK((b) => parseCifar10Batch(b, path))))([...paths]),
    TE.sequenceSeqArray,
    TE.map((parts) => concatImages(parts)),
  );
}

/** The standard batch file names. */
export const cifar10FileNames = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
} as const;

/**
 * A split of the extracted binary release: `dir` holds the batches directly or in its
 * `cifar-10-batches-bin/` subdirectory (as cifar-10-binary.tar.gz extracts).
 * @returns ImageDataset [50000 | 10000, 32, 32, 3]
 */
export function loadCifar10(dir: string, split: 'train' | 'test'): TE.TaskEither<DatasetError, ImageDataset> {
  const names = cifar10FileNames[split];
  return pipe(
    TE.fromTask(async () => {
      const nested = join(dir, 'cifar-10-batches-bin');
      return (await exists(join(nested, names[0]))) ? nested : dir;
    }),
    TE.chain((base) =>
      pipe(
        loadCifar10Batches(names.map((f) => join(base, f))),
        TE.mapLeft((e) =>
          e._tag === 'FileNotFound' ? datasetError.fileNotFound(e.path, [join(dir, names[0]), join(dir, 'cifar-10-batches-bin', names[0])], obtainHints.cifar10) : e,
        ),
      ),
    ),
  );
}
