/**
 * The reference code's normalisation of point data, with its inverse.
 *
 * Order of operations in github.com/qsh-zh/DiffFlow (datasets/points_dataset.py, PointsDataSet):
 *   1. generate the sample;
 *   2. scale the whole array by 0.85 / max|x| (one scalar over all coordinates; `dim_range` = 1);
 *   3. shuffle;
 *   4. standardise each coordinate with its own mean and (population, ddof = 0) standard deviation,
 *      times `set_std` (1 in every config);
 * and `restore` divides by set_std, multiplies by the std and adds the mean — it undoes step 4 only,
 * returning the 0.85-scaled coordinates. There the training and validation sets each compute their
 * own scale, mean and std (and `restore` uses the statistics of whichever set was normalised last).
 *
 * Here one `Normalizer` is fitted on the training data and applied to every split, and
 * `denormalize` undoes both steps, returning the dataset's own coordinates:
 *   normalize(x)   = (x · scale − mean) / std,        scale = 0.85 / max|x_train|
 *   denormalize(y) = (y · std + mean) / scale.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DatasetError } from './errors.js';
import { standardizationLogDet, standardizeRows } from './standardizer.js';

/** What a `Normalizer` saves: enough to rebuild it exactly. */
export interface NormalizerJson {
  readonly dim: number;
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** An affine per-coordinate map y = (x · scale − mean) / std, with its inverse. */
export interface Normalizer {
  readonly dim: number;
  /** 0.85 / max|x| over the fitted data. */
  readonly scale: number;
  /** Per-coordinate mean of the scaled data, length `dim`. */
  readonly mean: readonly number[];
  /** Per-coordinate population standard deviation of the scaled data, length `dim`. */
  readonly std: readonly number[];
  /** x: [n, dim] row-major → [n, dim] normalised. */
  normalize(x: Float32Array | Float64Array): Float32Array;
  /** y: [n, dim] normalised → [n, dim] in the data's own coordinates. */
  denormalize(y: Float32Array | Float64Array): Float32Array;
  /** The mean and scale as JSON (what `normalizerFromJson` reads back). */
  toJSON(): NormalizerJson;
}

/** The largest |x| is mapped to this value before standardising (reference code). */
export const NORMALIZER_MAX_ABS = 0.85;

function build(json: NormalizerJson): Normalizer {
  const { dim, scale } = json;
  const mean = Object.freeze([...json.mean]);
  const std = Object.freeze([...json.std]);
  const check = (x: Float32Array | Float64Array, fn: string): number => {
    if (x.length % dim !== 0) throw new RangeError(`${fn}: input length ${x.length} is not a multiple of dim ${dim}`);
    return x.length / dim;
  };
  return Object.freeze({
    dim,
    scale,
    mean,
    std,
    normalize(x: Float32Array | Float64Array): Float32Array {
      const n = check(x, 'normalize');
      return standardizeRows(x, mean, std, new Float32Array(n * dim), scale);
    },
    denormalize(y: Float32Array | Float64Array): Float32Array {
      const n = check(y, 'denormalize');
      const out = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < dim; j++) out[i * dim + j] = (y[i * dim + j]! * std[j]! + mean[j]!) / scale;
      }
      return out;
    },
    toJSON(): NormalizerJson {
      return { dim, scale, mean: [...mean], std: [...std] };
    },
  });
}

/**
 * Fits scale = 0.85 / max|x|, then mean and population std of x · scale per coordinate.
 * @param data [n, dim] row-major, n ≥ 2, finite, no constant coordinate
 * @param dim number of coordinates (integer ≥ 1)
 */
export function fitNormalizer(data: Float32Array | Float64Array, dim: number): Normalizer {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`fitNormalizer: dim must be an integer ≥ 1; got ${dim}`);
  if (data.length % dim !== 0) throw new RangeError(`fitNormalizer: data length ${data.length} is not a multiple of dim ${dim}`);
  const n = data.length / dim;
  if (n < 2) throw new RangeError(`fitNormalizer: need at least 2 rows; got ${n}`);
  let maxAbs = 0;
  for (const v of data) {
    if (!Number.isFinite(v)) throw new RangeError('fitNormalizer: data must be finite');
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  if (maxAbs === 0) throw new RangeError('fitNormalizer: data are all zero');
  const scale = NORMALIZER_MAX_ABS / maxAbs;
  const mean = new Array<number>(dim).fill(0);
  const sq = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += data[i * dim + j]! * scale;
  for (let j = 0; j < dim; j++) mean[j] = mean[j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sq[j]! += (data[i * dim + j]! * scale - mean[j]!) ** 2;
  const std = sq.map((s) => Math.sqrt(s / n));
  std.forEach((s, j) => {
    if (!(s > 0)) throw new RangeError(`fitNormalizer: coordinate ${j} is constant (std 0)`);
  });
  return build({ dim, scale, mean, std });
}

/**
 * log|det ∂y/∂x| of y = normalize(x): Σ_j log(scale / std_j). Densities in the dataset's
 * coordinates are p_x(x) = p_y(y) · |det ∂y/∂x|, so NLL_x = NLL_y − normalizerLogDet.
 */
export function normalizerLogDet(normalizer: Normalizer): number {
  return standardizationLogDet(normalizer.std, normalizer.scale);
}

/**
 * Rebuilds a normaliser from its JSON (inside the library; throws RangeError on bad values).
 * @param json { dim, scale, mean: [dim], std: [dim] }, scale > 0, std > 0
 */
export function normalizerFromJson(json: NormalizerJson): Normalizer {
  const problem = normalizerJsonProblem(json);
  if (problem !== undefined) throw new RangeError(`normalizerFromJson: ${problem}`);
  return build(json);
}

/**
 * Decodes an untrusted value (for example a parsed checkpoint file) into a normaliser.
 * @param source names the file or field in the error
 */
export function decodeNormalizer(value: unknown, source: string): E.Either<DatasetError, Normalizer> {
  const problem = normalizerJsonProblem(value);
  if (problem !== undefined) return E.left({ _tag: 'Malformed', path: source, reason: `normalizer: ${problem}` });
  return E.right(build(value as NormalizerJson));
}

function normalizerJsonProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'expected an object { dim, scale, mean, std }';
  const v = value as Record<string, unknown>;
  const dim = v['dim'];
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) return `dim must be an integer ≥ 1; got ${String(dim)}`;
  const scale = v['scale'];
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) return `scale must be finite and > 0; got ${String(scale)}`;
  for (const key of ['mean', 'std'] as const) {
    const arr = v[key];
    if (!Array.isArray(arr) || arr.length !== dim) return `${key} must be an array of length ${dim}`;
    for (const x of arr) {
      if (typeof x !== 'number' || !Number.isFinite(x)) return `${key} must hold finite numbers`;
      if (key === 'std' && !(x > 0)) return 'std entries must be > 0';
    }
  }
  return undefined;
}
