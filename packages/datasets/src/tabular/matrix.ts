/**
 * Row-major matrices and the column statistics the MAF preprocessing needs, in float64.
 */

/** rows × cols values, row-major. */
export interface Matrix<T extends Float32Array | Float64Array = Float32Array> {
  readonly data: T;
  readonly rows: number;
  readonly cols: number;
}

/** A matrix over float64 (intermediate results of preprocessing). */
export type Matrix64 = Matrix<Float64Array>;

/** Rows [start, end) of a matrix (a copy). */
export function sliceRows<T extends Float32Array | Float64Array>(m: Matrix<T>, start: number, end: number): Matrix<T> {
  return { data: m.data.slice(start * m.cols, end * m.cols) as T, rows: end - start, cols: m.cols };
}

/**
 * Rows `indices` of a matrix, in that order, as [k, cols] row-major.
 * @throws RangeError naming a row outside 0…rows − 1
 */
export function gatherRows(m: Matrix, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < m.rows)) throw new RangeError(`gatherRows: row ${i} is outside 0…${m.rows - 1}`);
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return out;
}

/** The matrix without the listed columns. */
export function dropColumns(m: Matrix64, drop: readonly number[]): Matrix64 {
  const keep: number[] = [];
  for (let j = 0; j < m.cols; j++) if (!drop.includes(j)) keep.push(j);
  return selectColumns(m, keep);
}

/** The listed columns, in the given order. */
export function selectColumns(m: Matrix64, keep: readonly number[]): Matrix64 {
  const out = new Float64Array(m.rows * keep.length);
  for (let i = 0; i < m.rows; i++) {
    for (let k = 0; k < keep.length; k++) out[i * keep.length + k] = m.data[i * m.cols + keep[k]!]!;
  }
  return { data: out, rows: m.rows, cols: keep.length };
}

/** Per-column mean. */
export function columnMeans(m: Matrix<Float32Array | Float64Array>): Float64Array {
  const mean = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mean[j]! += m.data[i * m.cols + j]!;
  for (let j = 0; j < m.cols; j++) mean[j] = mean[j]! / m.rows;
  return mean;
}

/**
 * Per-column standard deviation √(Σ(x − x̄)² / (n − ddof)): ddof 0 is numpy's default (np.std),
 * ddof 1 pandas' (DataFrame.std).
 */
export function columnStds(m: Matrix<Float32Array | Float64Array>, ddof: 0 | 1, mean: Float64Array = columnMeans(m)): Float64Array {
  const ss = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) ss[j]! += (m.data[i * m.cols + j]! - mean[j]!) ** 2;
  for (let j = 0; j < m.cols; j++) ss[j] = Math.sqrt(ss[j]! / (m.rows - ddof));
  return ss;
}

/** Stacks matrices with the same number of columns. */
export function vstack(parts: readonly Matrix64[]): Matrix64 {
  const cols = parts[0]?.cols ?? 0;
  const rows = parts.reduce((s, p) => s + p.rows, 0);
  const out = new Float64Array(rows * cols);
  let at = 0;
  for (const p of parts) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return { data: out, rows, cols };
}

/** Pearson correlation matrix of the columns (NaN where a column is constant), cols × cols. */
export function correlation(m: Matrix64): Float64Array {
  const mean = columnMeans(m);
  const c = m.cols;
  const cov = new Float64Array(c * c);
  const row = new Float64Array(c);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < c; j++) row[j] = m.data[i * c + j]! - mean[j]!;
    for (let a = 0; a < c; a++) for (let b = a; b < c; b++) cov[a * c + b]! += row[a]! * row[b]!;
  }
  const out = new Float64Array(c * c);
  for (let a = 0; a < c; a++) {
    for (let b = a; b < c; b++) {
      const r = cov[a * c + b]! / Math.sqrt(cov[a * c + a]! * cov[b * c + b]!);
      out[a * c + b] = r;
      out[b * c + a] = r;
    }
  }
  return out;
}

/** A float64 matrix rounded to float32 (the MAF loaders' final `astype(np.float32)`). */
export function toFloat32(m: Matrix64 | Matrix): Matrix {
  return { data: m.data instanceof Float32Array ? m.data : Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}
