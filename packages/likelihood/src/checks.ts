import * as tf from '@tensorflow/tfjs-core';
import { requireBackend, type DiffusionModel } from '@diffflow/sde-core';

/**
 * Argument checks shared by the package. Each throws a RangeError that names the function, the
 * argument and what is allowed.
 */

/** Throws unless `value` is a finite number ≥ 0. */
export function checkNonNegative(value: number, where: string, name: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${value}`);
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(value: number, where: string, name: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${where}: ${name} must be a finite number > 0, got ${value}`);
}

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(value: number, where: string, name: string, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${where}: ${name} must be an integer ≥ ${min}, got ${value}`);
}

/** Throws unless `shape` is a non-empty list of integers ≥ 1 (the per-sample dims D…). */
export function checkSampleShape(shape: readonly number[], where: string, name: string): void {
  if (shape.length < 1 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`${where}: ${name} must be a non-empty list of integers ≥ 1 (the per-sample dims), got [${shape.join(', ')}]`);
  }
}

/** Product of the per-sample dims: D. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Throws unless `x` is a float tensor of rank ≥ 2 ([B, ...D], B ≥ 1) whose every entry is finite. */
export function checkData(x: tf.Tensor, where: string, name: string): void {
  if (x.rank < 2 || (x.shape[0] ?? 0) < 1) {
    throw new RangeError(`${where}: ${name} must be [B, ...D] with B ≥ 1 and at least one data dim, got [${x.shape.join(', ')}]`);
  }
  const values = x.dataSync();
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (!Number.isFinite(v)) {
      throw new RangeError(`${where}: ${name} must be finite everywhere, got ${v} at flat index ${k} (row ${Math.floor(k / (values.length / (x.shape[0] as number)))})`);
    }
  }
}

/**
 * Throws unless the drift and the score of `model` accept one sample of per-sample shape `dims`
 * and return the same shape (evaluated once on a single zero row at time `t`). First checks that a
 * tfjs backend is registered (every function that evaluates a model calls this before any tensor op).
 */
export function checkModelShape(model: DiffusionModel, dims: readonly number[], t: number, where: string, name: string): void {
  requireBackend(where);
  tf.tidy(() => {
    const x = tf.zeros([1, ...dims]);
    for (const [role, field] of [['drift', model.sde.drift], ['score', model.score]] as const) {
      let out: tf.Tensor;
      try {
        out = field.apply(x, t);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new RangeError(`${where}: ${name} has per-sample shape [${dims.join(', ')}], which the model's ${field.name} field does not accept (${msg})`);
      }
      if (out.shape.length !== x.shape.length || out.shape.some((d, k) => d !== x.shape[k])) {
        throw new RangeError(
          `${where}: ${name} has per-sample shape [${dims.join(', ')}], but the model's ${role} field '${field.name}' maps it to [${out.shape.slice(1).join(', ')}]`,
        );
      }
    }
  });
}

/** The row ranges [start, end) of `n` rows cut into chunks of at most `batchSize`. */
export function chunks(n: number, batchSize: number): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (let start = 0; start < n; start += batchSize) out.push([start, Math.min(n, start + batchSize)]);
  return out;
}

/** Rows [start, end) of a [B, ...D] tensor (a new tensor). */
export function sliceRows(x: tf.Tensor, rows: readonly [number, number]): tf.Tensor {
  const [start, end] = rows;
  return tf.slice(x, [start, ...x.shape.slice(1).map(() => 0)], [end - start, ...x.shape.slice(1).map(() => -1)]);
}
