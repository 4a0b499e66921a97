/**
 * A data set drawn with the mouse: strokes (polylines in data coordinates) → an even point cloud
 * along them. The cloud is then an empirical density, @diffflow/datasets' `PointCloud` (a point
 * picked uniformly plus Gaussian jitter, keyed batches: `samplePointCloud`), which the worker trains
 * on as toy2d's dataset 'points' (worker/model.ts).
 */

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
