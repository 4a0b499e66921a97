/**
 * Standardisation per coordinate, y = (x · scale − mean) / std, and the log-determinant of its
 * Jacobian, written once for every caller: the MAF preprocessing (float64 matrices), the tabular
 * experiment's train-fitted standardiser and the 2-D `Normalizer` (scale = 0.85 / max|x|).
 * Densities in the data's coordinates are p_x(x) = p_y(y) · |det ∂y/∂x|, so NLL_x = NLL_y − logDet.
 */
import { columnMeans, columnStds, type Matrix, type Matrix64 } from './tabular/matrix.js';

/** y = (x − mean) / std per coordinate (a tabular run's, fitted on the train split and stored in its checkpoint). */
export interface Standardizer {
  readonly dim: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * out[i·dim + j] = (x[i·dim + j] · scale − mean[j]) / std[j] for the rows of x: [n, dim] row-major
 * (dim = mean.length), arithmetic in float64, stored in `out` (same length as x), which is returned.
 */
export function standardizeRows<T extends Float32Array | Float64Array>(x: ArrayLike<number>, mean: ArrayLike<number>, std: ArrayLike<number>, out: T, scale = 1): T {
  const dim = mean.length;
  if (dim < 1 || std.length !== dim) throw new RangeError(`standardizeRows: mean and std must have the same length ≥ 1, got ${mean.length} and ${std.length}`);
  if (x.length % dim !== 0) throw new RangeError(`standardizeRows: x must be [n, ${dim}] row-major, got length ${x.length}`);
  if (out.length !== x.length) throw new RangeError(`standardizeRows: out must have the length of x (${x.length}), got ${out.length}`);
  for (let i = 0; i < x.length; i++) {
    const j = i % dim;
    out[i] = (x[i]! * scale - mean[j]!) / std[j]!;
  }
  return out;
}

/** (x − mean) / std per column of a float64 matrix (the MAF preprocessing). */
export function standardizeColumns(m: Matrix64, mean: Float64Array, std: Float64Array): Matrix64 {
  return { data: standardizeRows(m.data, mean, std, new Float64Array(m.data.length)), rows: m.rows, cols: m.cols };
}

/** log|det ∂y/∂x| of y = (x · scale − mean) / std: dim · log(scale) − Σ_j log std_j. */
export function standardizationLogDet(std: readonly number[], scale = 1): number {
  const logStd = std.reduce((acc, v) => acc + Math.log(v), 0);
  return scale === 1 ? -logStd : std.length * Math.log(scale) - logStd;
}

/** Mean and population std (ddof 0) of each column of the train split; a constant column gets std 1. */
export function fitStandardizer(train: Matrix<Float32Array | Float64Array>): Standardizer {
  if (train.rows < 1) throw new RangeError(`fitStandardizer: the train split must have at least 1 row, got ${train.rows}`);
  const mean = columnMeans(train);
  const std = Array.from(columnStds(train, 0, mean), (s) => (s > 0 ? s : 1));
  return { dim: train.cols, mean: Array.from(mean), std };
}

/** y = (x − μ)/σ of a {@link Standardizer}, x: [n, dim] row-major (float32 out). */
export function standardize(s: Standardizer, x: Float32Array): Float32Array {
  if (x.length % s.dim !== 0) throw new RangeError(`standardize: x must be [n, ${s.dim}] row-major, got length ${x.length}`);
  return standardizeRows(x, s.mean, s.std, new Float32Array(x.length));
}

/**
 * x = y·σ + μ, the inverse of {@link standardize}: model coordinates (samples of a tabular run) back
 * to the dataset's own, y: [n, dim] row-major (float32 out, arithmetic in float64).
 */
export function destandardize(s: Standardizer, y: ArrayLike<number>): Float32Array {
  if (y.length % s.dim !== 0) throw new RangeError(`destandardize: y must be [n, ${s.dim}] row-major, got length ${y.length}`);
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const j = i % s.dim;
    out[i] = y[i]! * s.std[j]! + s.mean[j]!;
  }
  return out;
}

/** log|det ∂y/∂x| = −Σ_j log σ_j of a {@link Standardizer}: NLL_x = NLL_y − standardizerLogDet. */
export function standardizerLogDet(s: Standardizer): number {
  return standardizationLogDet(s.std);
}

/** Decodes a standardiser stored in a checkpoint's meta; undefined when it is not one (of dimension `dim`, when given). */
export function decodeStandardizer(u: unknown, dim?: number): Standardizer | undefined {
  if (typeof u !== 'object' || u === null) return undefined;
  const { mean, std } = u as { mean?: unknown; std?: unknown };
  const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!numbers(mean) || !numbers(std) || mean.length !== std.length || mean.length === 0) return undefined;
  if (std.some((v) => !(v > 0))) return undefined;
  if (dim !== undefined && mean.length !== dim) return undefined;
  return { dim: mean.length, mean, std };
}
