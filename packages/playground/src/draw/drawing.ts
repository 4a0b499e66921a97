/**
 * A data set drawn with the mouse: strokes (polylines in data coordinates) → an even point cloud
 * along them → training batches drawn from it with replayable noise.
 *
 * The drawn set is an empirical density: each batch row is a point picked uniformly from the cloud
 * plus isotropic Gaussian jitter of standard deviation `jitter`, so the model learns a smooth
 * band around the strokes instead of memorising the finitely many points.
 */
import { replayableNormals, replayableUniforms } from '@diffflow/sde-core';

/** One stroke: points (x, y) in data coordinates, in drawing order. */
export type Stroke = readonly (readonly [number, number])[];

/** Fewest cloud points a drawing must give before it can be trained on. */
export const MIN_DRAWN_POINTS = 16;

/**
 * Resamples strokes at (about) even arc-length spacing: every segment of length ℓ contributes
 * ⌈ℓ / spacing⌉ points, a lone click one point.
 * @param spacing > 0, in data coordinates
 * @returns [n, 2] row-major, n = total points
 */
export function strokesToPoints(strokes: readonly Stroke[], spacing: number): Float32Array {
  if (!(spacing > 0) || !Number.isFinite(spacing)) throw new RangeError(`strokesToPoints: spacing must be a finite number > 0, got ${spacing}`);
  const out: number[] = [];
  const finite = (x: number, y: number): void => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`strokesToPoints: stroke points must be finite, got (${x}, ${y})`);
  };
  for (const stroke of strokes) {
    if (stroke.length === 0) continue;
    const [fx, fy] = stroke[0] as readonly [number, number];
    finite(fx, fy);
    out.push(fx, fy);
    for (let i = 1; i < stroke.length; i++) {
      const [x0, y0] = stroke[i - 1] as readonly [number, number];
      const [x1, y1] = stroke[i] as readonly [number, number];
      finite(x1, y1);
      const pieces = Math.ceil(Math.hypot(x1 - x0, y1 - y0) / spacing);
      for (let k = 1; k <= pieces; k++) out.push(x0 + ((x1 - x0) * k) / pieces, y0 + ((y1 - y0) * k) / pieces);
    }
  }
  return Float32Array.from(out);
}

/**
 * A batch from a drawn cloud: row r is cloud point ⌊u_r · n⌋ + jitter · z_r, with u from
 * (seed, 'drawn/pick', iteration, 0) and z from (seed, 'drawn/jitter', iteration, 0), so a batch
 * replays exactly from its key.
 * @param points [n, 2] row-major, n ≥ 1
 * @returns [batch, 2] row-major
 */
export function drawnBatch(points: Float32Array, batch: number, jitter: number, key: { readonly seed: number; readonly iteration: number }): Float32Array {
  const n = points.length / 2;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`drawnBatch: points must be [n, 2] with n ≥ 1, got length ${points.length}`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`drawnBatch: batch must be an integer ≥ 1, got ${batch}`);
  if (!(jitter >= 0)) throw new RangeError(`drawnBatch: jitter must be ≥ 0, got ${jitter}`);
  const u = replayableUniforms(batch, { seed: key.seed, purpose: 'drawn/pick', iteration: key.iteration, step: 0 });
  const z = replayableNormals(2 * batch, { seed: key.seed, purpose: 'drawn/jitter', iteration: key.iteration, step: 0 });
  const out = new Float32Array(2 * batch);
  for (let r = 0; r < batch; r++) {
    const i = Math.min(n - 1, Math.floor((u[r] as number) * n));
    out[2 * r] = (points[2 * i] as number) + jitter * (z[2 * r] as number);
    out[2 * r + 1] = (points[2 * i + 1] as number) + jitter * (z[2 * r + 1] as number);
  }
  return out;
}
