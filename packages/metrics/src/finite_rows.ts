/**
 * The finite rows of a point set: samples of a model that diverged hold NaN or ±∞ coordinates,
 * which every two-sample statistic would turn into NaN. Statistics take the finite rows and report
 * how many were left out.
 */

/** A point set's finite rows and how many rows were left out. */
export interface FiniteRows {
  /** [n − dropped, dim] row-major: the rows whose every coordinate is finite, in order. */
  readonly points: Float32Array;
  /** Rows left out (a NaN or ±∞ in any coordinate). */
  readonly dropped: number;
}

/**
 * The rows of `points` ([n, dim] row-major) whose every coordinate is finite, in order, and how
 * many were left out; `points` itself when none is.
 * @throws RangeError when `dim` is not an integer ≥ 1 or `points.length` is not a multiple of it
 */
export function finiteRows(points: Float32Array, dim: number): FiniteRows {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`finiteRows: dim must be an integer >= 1, got ${dim}`);
  if (points.length % dim !== 0) throw new RangeError(`finiteRows: points.length must be a multiple of dim = ${dim}, got ${points.length}`);
  const keep: number[] = [];
  for (let i = 0; i < points.length; i += dim) if (points.subarray(i, i + dim).every(Number.isFinite)) keep.push(i);
  if (keep.length * dim === points.length) return { points, dropped: 0 };
  const out = new Float32Array(keep.length * dim);
  keep.forEach((i, k) => out.set(points.subarray(i, i + dim), k * dim));
  return { points: out, dropped: points.length / dim - keep.length };
}
