/**
 * An empirical 2-D distribution: a finite cloud of points p₁ … pₙ (a shape drawn with the mouse, a
 * user's own [n, 2] array) smoothed by isotropic Gaussian jitter of standard deviation σ — the
 * Gaussian kernel density
 *
 *   p(x) = (1/n) Σᵢ N(x; pᵢ, σ² I₂).
 *
 * A draw picks a cloud point uniformly and adds the jitter, so a model learns a smooth band around
 * the points instead of memorising finitely many of them, and the density it should learn is known
 * in closed form (`pointCloudLogDensity`). Randomness comes only from sde-core's replayable keys, as
 * for the library's toys (`sampleToy`): uniforms from (seed, 'toy2d/points', iteration, step 0),
 * one per point, and normals from step 1, two per point, so a draw of n points is a prefix of a
 * draw of m > n with the same key. Browser-safe (exported from `@diffflow/datasets/toy2d`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { replayableNormals, replayableUniforms } from '@diffflow/sde-core';
import { datasetError, type DatasetError } from './errors.js';

/** A point cloud with its jitter: the kernel density (1/n) Σᵢ N(x; pᵢ, σ² I₂). */
export interface PointCloud {
  /** The points pᵢ, [n, 2] row-major, n ≥ 1, finite, in the cloud's own coordinates. */
  readonly points: Float32Array;
  /** σ ≥ 0, the jitter's standard deviation, in the same coordinates. */
  readonly jitter: number;
}

/** The noise purpose of every cloud draw (the toys use 'toy2d/<name>'). */
export const POINT_CLOUD_PURPOSE = 'toy2d/points';

/** The problem with an [n, 2] array as a cloud, or null: shape, count, finiteness. */
function cloudProblem(values: ArrayLike<number>, shape: readonly number[]): string | null {
  if (shape.length !== 2 || shape[1] !== 2) return `points must be an array of shape [n, 2]; got shape [${shape.join(', ')}]`;
  const n = shape[0] as number;
  if (!Number.isInteger(n) || n < 1) return `points must hold at least one point; got n = ${n}`;
  if (values.length !== 2 * n) return `points hold ${values.length} values, shape [${n}, 2] needs ${2 * n}`;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) return `points must be finite; row ${Math.floor(i / 2)} has ${v}`;
  }
  return null;
}

function jitterProblem(jitter: number): string | null {
  return jitter >= 0 && Number.isFinite(jitter) ? null : `jitter must be a finite number ≥ 0; got ${jitter}`;
}

/**
 * A point cloud from row-major values (copied to float32).
 * @param points [n, 2] row-major, n ≥ 1, finite
 * @param jitter σ ≥ 0
 * @throws RangeError naming `points` or `jitter` and what is allowed
 */
export function pointCloud(points: ArrayLike<number>, jitter: number): PointCloud {
  const shape = points.length % 2 === 0 ? [points.length / 2, 2] : [points.length];
  const problem = cloudProblem(points, shape) ?? jitterProblem(jitter);
  if (problem !== null) throw new RangeError(`pointCloud: ${problem}`);
  return { points: Float32Array.from(points), jitter };
}

/**
 * Decodes an untrusted array (a .npy file's values and shape, a config field) into a cloud:
 * Right(cloud), or `Malformed {path: source, reason}` naming the shape, count or value at fault.
 * @param values row-major values of the array
 * @param shape the array's shape; must be [n, 2] with n ≥ 1
 * @param source names the file or field in the error
 */
export function decodePointCloud(values: ArrayLike<number>, shape: readonly number[], jitter: number, source: string): E.Either<DatasetError, PointCloud> {
  const problem = cloudProblem(values, shape) ?? jitterProblem(jitter);
  return problem === null ? E.right({ points: Float32Array.from(values), jitter }) : E.left(datasetError.malformed(source, problem));
}

/** Number of points n of a cloud. */
export function pointCloudSize(cloud: PointCloud): number {
  return cloud.points.length / 2;
}

/**
 * Draws n points of the cloud's density: row r is p_{⌊u_r·n⌋} + σ·z_r.
 * @param n number of points (integer ≥ 0)
 * @param key seed and iteration; the same key always gives the same points, and a draw of n points
 *   is a prefix of a draw of more
 * @returns [n, 2] row-major Float32Array, in the cloud's coordinates
 */
export function samplePointCloud(cloud: PointCloud, n: number, key: { readonly seed: number; readonly iteration: number }): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`samplePointCloud: n must be an integer ≥ 0; got ${n}`);
  const m = pointCloudSize(cloud);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`samplePointCloud: cloud.points must be [m, 2] with m ≥ 1; got length ${cloud.points.length}`);
  const u = replayableUniforms(n, { seed: key.seed, purpose: POINT_CLOUD_PURPOSE, iteration: key.iteration, step: 0 });
  const z = replayableNormals(2 * n, { seed: key.seed, purpose: POINT_CLOUD_PURPOSE, iteration: key.iteration, step: 1 });
  const { points, jitter } = cloud;
  const out = new Float32Array(2 * n);
  for (let r = 0; r < n; r++) {
    const i = Math.min(m - 1, Math.floor((u[r] as number) * m));
    out[2 * r] = (points[2 * i] as number) + jitter * (z[2 * r] as number);
    out[2 * r + 1] = (points[2 * i + 1] as number) + jitter * (z[2 * r + 1] as number);
  }
  return out;
}

/**
 * The cloud's exact log-density, log p(x) = log Σᵢ exp(−‖x − pᵢ‖² / 2σ²) − log n − log 2πσ²
 * (log-sum-exp in float64): the reference a model's NLL on the cloud's draws is measured against.
 * Cost O(m·n).
 * @param x [m, 2] row-major, in the cloud's coordinates
 * @returns [m] log p(x) in nats (σ > 0 required: with σ = 0 the cloud has no density)
 */
export function pointCloudLogDensity(cloud: PointCloud, x: Float32Array | Float64Array): Float64Array {
  const { points, jitter } = cloud;
  if (!(jitter > 0) || !Number.isFinite(jitter)) throw new RangeError(`pointCloudLogDensity: cloud.jitter must be a finite number > 0 (a cloud without jitter has no density); got ${jitter}`);
  if (x.length % 2 !== 0) throw new RangeError(`pointCloudLogDensity: x must be [m, 2] row-major; got length ${x.length}`);
  const n = pointCloudSize(cloud);
  const m = x.length / 2;
  const out = new Float64Array(m);
  const inv = 1 / (2 * jitter * jitter);
  const constant = -Math.log(n) - Math.log(2 * Math.PI * jitter * jitter);
  for (let j = 0; j < m; j++) {
    const a = x[2 * j] as number;
    const b = x[2 * j + 1] as number;
    let best = -Infinity;
    for (let i = 0; i < n; i++) best = Math.max(best, -(((points[2 * i] as number) - a) ** 2 + ((points[2 * i + 1] as number) - b) ** 2) * inv);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(-(((points[2 * i] as number) - a) ** 2 + ((points[2 * i + 1] as number) - b) ** 2) * inv - best);
    out[j] = best + Math.log(sum) + constant;
  }
  return out;
}
