/**
 * The five tabular density-estimation benchmarks of MAF (Papamakarios, Pavlakou & Murray 2017),
 * used in DiffFlow's Table 1: POWER, GAS, HEPMASS, MINIBOONE and BSDS300, from the files of the
 * MAF data release (https://zenodo.org/record/1161203) with that release's preprocessing and
 * train/validation/test splits (github.com/gpapamak/maf, datasets/*.py), or from already
 * preprocessed splits `<dir>/<name>/{train,validation,test}.npy`.
 *
 * Preprocessing, as the MAF loaders do it (float64 throughout, float32 at the end):
 * - tail split: test = the last ⌊0.1·N⌋ rows; validation = the last ⌊0.1·N'⌋ of the N' rows left;
 *   train = the rest (no shuffling, except POWER's below).
 * - POWER (power/data.npy, [N, 8]): rows shuffled by numpy RandomState(42); columns 3 (global
 *   intensity) and 1 (global reactive power) deleted; uniform noise added from the same stream —
 *   0.01·U to voltage, then 0.001·U to global active power, then U to the three sub-meterings,
 *   none to time; tail split; standardised with the mean and population std of train ∪ validation.
 * - GAS (gas/ethylene_CO.pickle, a pandas DataFrame): columns Meth, Eth and Time dropped; then, while
 *   some column has a correlation > 0.98 with another, the first such column is dropped; standardised
 *   with the mean and sample std (ddof 1) of all rows; tail split.
 * - HEPMASS (hepmass/1000_train.csv, 1000_test.csv): rows with label (first column) 1 kept, the
 *   label dropped, and the test file's last column dropped; standardised with the train mean and
 *   sample std; every feature whose smallest value occurs more than 5 times in the standardised
 *   train set is removed; validation = the last ⌊0.1·N⌋ train rows. (Departure: a constant
 *   feature, which the MAF code would turn into NaN, is removed.)
 * - MINIBOONE (miniboone/data.npy): tail split; standardised with the mean and population std of
 *   train ∪ validation.
 * - BSDS300 (BSDS300/BSDS300.hdf5): datasets 'train', 'validation', 'test' as stored.
 * With the release's files this gives the usual dimensions 6, 8, 21, 43 and 63.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { datasetError, obtainHints, type DatasetError } from '../errors.js';
import { exists, fsError, readBytes } from '../files.js';
import { readNumericCsv, type NumericTable } from './csv.js';
import { readHdf5Matrices } from './hdf5.js';
import {
  columnMeans,
  columnStds,
  correlation,
  dropColumns,
  selectColumns,
  sliceRows,
  toFloat32,
  vstack,
  type Matrix,
  type Matrix64,
} from './matrix.js';
import { standardizeColumns } from '../standardizer.js';
import { encodeNpy, readNpyMatrix } from './npy.js';
import { NumpyRandomState } from './numpy_random.js';
import { parsePandasPickle, type NumericFrame } from './pandas_pickle.js';

/** The MAF tabular datasets (lower-case; BSDS300's release directory is `BSDS300/`). */
export const tabularNames = ['power', 'gas', 'hepmass', 'miniboone', 'bsds300'] as const;

/** One of the five MAF tabular datasets. */
export type TabularName = (typeof tabularNames)[number];

/** Guard: `s` is one of `tabularNames`. */
export function isTabularName(s: string): s is TabularName {
  return (tabularNames as readonly string[]).includes(s);
}

/** A tabular dataset: three float32 splits with the same number of columns `dim`. */
export interface TabularDataset {
  readonly name: string;
  readonly dim: number;
  readonly train: Matrix;
  readonly validation: Matrix;
  readonly test: Matrix;
}

/** The dimensions of the preprocessed release datasets (MAF paper, Table 6 of its appendix). */
export const mafDimensions: Readonly<Record<TabularName, number>> = { power: 6, gas: 8, hepmass: 21, miniboone: 43, bsds300: 63 };

/** The release's files of each dataset, relative to the extracted `data/` directory. */
export const mafReleaseFiles: Readonly<Record<TabularName, readonly string[]>> = {
  power: ['power/data.npy'],
  gas: ['gas/ethylene_CO.pickle'],
  hepmass: ['hepmass/1000_train.csv', 'hepmass/1000_test.csv'],
  miniboone: ['miniboone/data.npy'],
  bsds300: ['BSDS300/BSDS300.hdf5'],
};

/** The file names of preprocessed splits, `<dir>/<name>/<split>.npy`. */
export const splitNames = ['train', 'validation', 'test'] as const;

type Splits64 = { readonly train: Matrix64; readonly validation: Matrix64; readonly test: Matrix64 };

function dataset(name: string, s: Splits64 | { train: Matrix; validation: Matrix; test: Matrix }): TabularDataset {
  return { name, dim: s.train.cols, train: toFloat32(s.train), validation: toFloat32(s.validation), test: toFloat32(s.test) };
}

/** The MAF tail split (see the module comment); needs N ≥ 11 so that both held-out parts are non-empty. */
export function tailSplit(m: Matrix64, path: string): E.Either<DatasetError, Splits64> {
  const nTest = Math.floor(0.1 * m.rows);
  const rest = m.rows - nTest;
  const nVal = Math.floor(0.1 * rest);
  if (nTest < 1 || nVal < 1) return E.left(datasetError.malformed(path, `has ${m.rows} rows; the 10 % / 10 % split needs at least 11`));
  return E.right({
    train: sliceRows(m, 0, rest - nVal),
    validation: sliceRows(m, rest - nVal, rest),
    test: sliceRows(m, rest, m.rows),
  });
}

/** Standardises three splits with the mean and population std of train ∪ validation. */
function standardizeByTrainVal(s: Splits64, path: string): E.Either<DatasetError, Splits64> {
  const both = vstack([s.train, s.validation]);
  const mu = columnMeans(both);
  const sd = columnStds(both, 0, mu);
  const constant = Array.from(sd).findIndex((v) => !(v > 0));
  if (constant >= 0) return E.left(datasetError.malformed(path, `column ${constant} is constant over train ∪ validation`));
  return E.right({ train: standardizeColumns(s.train, mu, sd), validation: standardizeColumns(s.validation, mu, sd), test: standardizeColumns(s.test, mu, sd) });
}

/**
 * POWER's preprocessing of the release's power/data.npy (see the module comment).
 * @param raw [N, 8] float64
 */
export function preprocessPower(raw: Matrix64, path: string): E.Either<DatasetError, TabularDataset> {
  if (raw.cols !== 8) return E.left(datasetError.inconsistentCounts(path, 'columns (the release has 8: gap, grp, voltage, gi, 3 sub-meterings, time)', 8, raw.cols));
  const data = raw.data.slice();
  const rng = new NumpyRandomState(42);
  rng.shuffleRows(data, raw.rows, 8);
  const m = dropColumns(dropColumns({ data, rows: raw.rows, cols: 8 }, [3]), [1]);
  const n = m.rows;
  const voltage = rng.rand(n);
  const gap = rng.rand(n);
  const subMetering = rng.rand(3 * n);
  for (let i = 0; i < n; i++) {
    const row = m.data.subarray(i * 6, i * 6 + 6);
    row[0]! += 0.001 * gap[i]!;
    row[1]! += 0.01 * voltage[i]!;
    row[2]! += subMetering[3 * i]!;
    row[3]! += subMetering[3 * i + 1]!;
    row[4]! += subMetering[3 * i + 2]!;
  }
  return pipe(
    tailSplit(m, path),
    E.chain((s) => standardizeByTrainVal(s, path)),
    E.map((s) => dataset('power', s)),
  );
}

/** MINIBOONE's preprocessing of the release's miniboone/data.npy: tail split, then standardise. */
export function preprocessMiniboone(raw: Matrix64, path: string): E.Either<DatasetError, TabularDataset> {
  return pipe(
    tailSplit(raw, path),
    E.chain((s) => standardizeByTrainVal(s, path)),
    E.map((s) => dataset('miniboone', s)),
  );
}

/** GAS's preprocessing of the release's DataFrame (see the module comment). */
export function preprocessGas(frame: NumericFrame, path: string): E.Either<DatasetError, TabularDataset> {
  const names = [...frame.columns];
  if (new Set(names).size !== names.length) return E.left(datasetError.malformed(path, `has duplicate column names (${names.join(', ')})`));
  for (const required of ['Meth', 'Eth', 'Time']) {
    if (!names.includes(required)) return E.left(datasetError.malformed(path, `has no column '${required}' (columns: ${names.join(', ')})`));
  }
  let keep = names.map((_, j) => j).filter((j) => !['Meth', 'Eth', 'Time'].includes(names[j]!));
  const all: Matrix64 = { data: frame.values, rows: frame.rows, cols: names.length };
  let m = selectColumns(all, keep);
  for (;;) {
    const c = correlation(m);
    let drop = -1;
    for (let a = 0; a < m.cols && drop < 0; a++) {
      let count = 0;
      for (let b = 0; b < m.cols; b++) if (c[a * m.cols + b]! > 0.98) count++;
      if (count > 1) drop = a;
    }
    if (drop < 0) break;
    keep = keep.filter((_, k) => k !== drop);
    m = selectColumns(all, keep);
  }
  if (m.cols === 0) return E.left(datasetError.malformed(path, 'no columns are left after dropping Meth, Eth, Time'));
  const mu = columnMeans(m);
  const sd = columnStds(m, 1, mu);
  const constant = Array.from(sd).findIndex((v) => !(v > 0));
  if (constant >= 0) return E.left(datasetError.malformed(path, `column '${names[keep[constant]!]}' is constant`));
  return pipe(
    tailSplit(standardizeColumns(m, mu, sd), path),
    E.map((s) => dataset('gas', s)),
  );
}

/** Rows whose first column equals 1, without that column. */
function positives(t: NumericTable): Matrix64 {
  const { data, rows, cols } = t.values;
  const picked: number[] = [];
  for (let i = 0; i < rows; i++) if (data[i * cols] === 1) picked.push(i);
  const out = new Float64Array(picked.length * (cols - 1));
  picked.forEach((i, k) => out.set(data.subarray(i * cols + 1, (i + 1) * cols), k * (cols - 1)));
  return { data: out, rows: picked.length, cols: cols - 1 };
}

/**
 * HEPMASS's preprocessing of the release's 1000_train.csv and 1000_test.csv (see the module comment).
 */
export function preprocessHepmass(
  train: NumericTable,
  test: NumericTable,
  paths: { readonly train: string; readonly test: string },
): E.Either<DatasetError, TabularDataset> {
  if (train.header.length < 2) return E.left(datasetError.malformed(paths.train, 'needs a label column and at least one feature'));
  if (test.header.length !== train.header.length + 1) {
    return E.left(datasetError.inconsistentCounts(paths.test, `columns (the train file's ${train.header.length} plus the extra last column the MAF loader drops)`, train.header.length + 1, test.header.length));
  }
  const tr = positives(train);
  const te = dropColumns(positives(test), [test.header.length - 2]);
  if (tr.rows < 10) return E.left(datasetError.malformed(paths.train, `has ${tr.rows} rows with label 1; the validation split needs at least 10`));
  const mu = columnMeans(tr);
  const sd = columnStds(tr, 1, mu);
  const trN = standardizeColumns(tr, mu, sd);
  const teN = standardizeColumns(te, mu, sd);
  const remove: number[] = [];
  for (let j = 0; j < trN.cols; j++) {
    if (!(sd[j]! > 0)) {
      remove.push(j);
      continue;
    }
    let min = Infinity;
    let count = 0;
    for (let i = 0; i < trN.rows; i++) {
      const v = trN.data[i * trN.cols + j]!;
      if (v < min) {
        min = v;
        count = 1;
      } else if (v === min) count++;
    }
    if (count > 5) remove.push(j);
  }
  const trK = dropColumns(trN, remove);
  const teK = dropColumns(teN, remove);
  if (trK.cols === 0) return E.left(datasetError.malformed(paths.train, 'every feature was removed as discrete'));
  const nVal = Math.floor(0.1 * trK.rows);
  return E.right(dataset('hepmass', { train: sliceRows(trK, 0, trK.rows - nVal), validation: sliceRows(trK, trK.rows - nVal, trK.rows), test: teK }));
}

/**
 * One dataset from the extracted MAF release (`root` is the release's `data/` directory).
 * @returns the preprocessed splits, float32 [n, dim]
 */
export function loadMafRelease(name: TabularName, root: string): TE.TaskEither<DatasetError, TabularDataset> {
  const hint = obtainHints.mafRelease;
  const file = (k: number): string => join(root, mafReleaseFiles[name][k]!);
  switch (name) {
    case 'power':
      return pipe(readNpyMatrix(file(0), hint), TE.chainEitherK((m) => preprocessPower(m, file(0))));
    case 'miniboone':
      return pipe(readNpyMatrix(file(0), hint), TE.chainEitherK((m) => preprocessMiniboone(m, file(0))));
    case 'gas':
      return pipe(
        readBytes(file(0), hint),
        TE.chainEitherK((b) => parsePandasPickle(b, file(0))),
        TE.chainEitherK((f) => preprocessGas(f, file(0))),
      );
    case 'hepmass':
      return pipe(
        TE.Do,
        TE.apS('train', readNumericCsv(file(0), hint)),
        TE.apS('test', readNumericCsv(file(1), hint)),
        TE.chainEitherK(({ train, test }) => preprocessHepmass(train, test, { train: file(0), test: file(1) })),
      );
    case 'bsds300':
      return pipe(
        readHdf5Matrices(file(0), splitNames, hint),
        TE.chainEitherK((s) => checkSplits('bsds300', s, file(0))),
      );
  }
}

function checkSplits(name: string, s: Record<(typeof splitNames)[number], Matrix>, path: string): E.Either<DatasetError, TabularDataset> {
  for (const k of ['validation', 'test'] as const) {
    if (s[k].cols !== s.train.cols) return E.left(datasetError.inconsistentCounts(path, `columns of the ${k} split vs the train split`, s.train.cols, s[k].cols));
  }
  return E.right(dataset(name, s));
}

/** The paths of preprocessed splits `<dir>/<name>/{train,validation,test}.npy`. */
export function npySplitPaths(name: string, dir: string): Record<(typeof splitNames)[number], string> {
  return { train: join(dir, name, 'train.npy'), validation: join(dir, name, 'validation.npy'), test: join(dir, name, 'test.npy') };
}

/**
 * Already preprocessed splits `<dir>/<name>/{train,validation,test}.npy` ([n, d], float32 or float64).
 * @param name any dataset name (a directory under `dir`)
 */
export function loadNpySplits(name: string, dir: string): TE.TaskEither<DatasetError, TabularDataset> {
  const paths = npySplitPaths(name, dir);
  const hint = `${obtainHints.npySplits}, or load the MAF release with source 'release' and save it with writeNpySplits`;
  return pipe(
    TE.Do,
    TE.apS('train', readNpyMatrix(paths.train, hint)),
    TE.apS('validation', readNpyMatrix(paths.validation, hint)),
    TE.apS('test', readNpyMatrix(paths.test, hint)),
    TE.chainEitherK((s) => {
      for (const k of ['validation', 'test'] as const) {
        if (s[k].cols !== s.train.cols) return E.left(datasetError.inconsistentCounts(paths[k], `columns vs ${paths.train}`, s.train.cols, s[k].cols));
      }
      return E.right(dataset(name, s));
    }),
  );
}

/** Writes a dataset's splits as `<dir>/<name>/{train,validation,test}.npy` (float32), for `loadNpySplits`. */
export function writeNpySplits(ds: TabularDataset, dir: string): TE.TaskEither<DatasetError, Record<(typeof splitNames)[number], string>> {
  const paths = npySplitPaths(ds.name, dir);
  return TE.tryCatch(
    async () => {
      await mkdir(join(dir, ds.name), { recursive: true });
      for (const k of splitNames) await writeFile(paths[k], encodeNpy(ds[k]));
      return paths;
    },
    fsError(join(dir, ds.name), 'check that the directory is writable'),
  );
}

/** Where a tabular dataset is read from: the release files, preprocessed .npy splits, or whichever exists (release first). */
export type TabularSource = 'release' | 'npy' | 'auto';

/**
 * A MAF tabular dataset by name.
 * @param name one of `tabularNames` (checked: an unknown name gives UnknownDataset)
 * @param options.root the release's `data/` directory (source 'release') or the splits' directory (source 'npy')
 * @param options.source default 'auto': the release files if all exist under root, else `<root>/<name>/*.npy`
 */
export function loadTabular(name: string, options: { readonly root: string; readonly source?: TabularSource }): TE.TaskEither<DatasetError, TabularDataset> {
  if (!isTabularName(name)) return TE.left(datasetError.unknownDataset(name, tabularNames));
  const { root, source = 'auto' } = options;
  if (source === 'release') return loadMafRelease(name, root);
  if (source === 'npy') return loadNpySplits(name, root);
  const release = mafReleaseFiles[name].map((f) => join(root, f));
  const npy = Object.values(npySplitPaths(name, root));
  return pipe(
    TE.fromTask(async () => ({
      release: (await Promise.all(release.map(exists))).every(Boolean),
      npy: await exists(npy[0]!),
    })),
    TE.chain((found) => {
      if (found.release) return loadMafRelease(name, root);
      if (found.npy) return loadNpySplits(name, root);
      return TE.left(datasetError.fileNotFound(release[0]!, [...release, ...npy], `${obtainHints.mafRelease}; or ${obtainHints.npySplits}`));
    }),
  );
}
