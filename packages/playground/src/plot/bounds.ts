/** A plot's data window [x_min, x_max, y_min, y_max]. */
export type Bounds = [number, number, number, number];

/**
 * A square window around points ([n, 2] row-major): the larger of the two ranges plus `margin` of
 * it on each side, centred on the points. No points → [−1, 1]².
 */
export function squareBounds(points: Float32Array, margin = 0.1): Bounds {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!(x1 >= x0)) return [-1, 1, -1, 1];
  const half = 0.5 * Math.max(x1 - x0, y1 - y0, 1e-6) * (1 + 2 * margin);
  const cx = 0.5 * (x0 + x1);
  const cy = 0.5 * (y0 + y1);
  return [cx - half, cx + half, cy - half, cy + half];
}
