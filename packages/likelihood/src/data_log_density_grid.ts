/**
 * A 2-D model's log-density heat-map in the data's own coordinates, when the model sees the data
 * through an affine map y = T(x) per coordinate (a normaliser, a standardiser):
 *
 *   log p_x(x) = log p_y(T(x)) + log|det ∂y/∂x|.
 *
 * Such a map sends the box [x_min, x_max] × [y_min, y_max] to a box and each pixel centre to the
 * pixel centre of the mapped box, so the picture is {@link logDensityGrid} on the mapped box with
 * `logDet` added to every pixel.
 */
import type { DiffusionModel } from '@diffflow/sde-core';
import { logDensityGrid, type LogDensityGridOptions } from './log_density_grid.js';

/** Options of {@link dataLogDensityGrid}: {@link LogDensityGridOptions} with the picture given in the data's coordinates. */
export interface DataLogDensityGridOptions extends Omit<LogDensityGridOptions, 'xRange' | 'yRange'> {
  /** [x_min, x_max, y_min, y_max] of the picture in the data's coordinates, finite, x_min < x_max, y_min < y_max. */
  readonly bounds: readonly [number, number, number, number];
  /**
   * y = T(x): data points [n, 2] row-major → the model's coordinates [n, 2]; affine in each coordinate
   * with a positive slope (e.g. a normaliser's `normalize`).
   */
  readonly toModel: (x: Float32Array) => Float32Array;
  /** log|det ∂y/∂x| of `toModel` (e.g. datasets' `normalizerLogDet`), finite. */
  readonly logDet: number;
}

/** |got − want| allowed when checking that `toModel` is affine per coordinate: float32 rounding of values of size `scale`. */
const affineTolerance = (scale: number): number => 1e-5 * (1 + scale);

/**
 * log p_x of a 2-D model at the pixel centres of a picture of `bounds` in the data's coordinates:
 * {@link logDensityGrid} on the box `toModel` maps `bounds` to, plus `logDet` (float32, as the grid).
 * The ODE, its grid, solver and tolerances are the options' (see {@link LogDensityGridOptions}).
 * Frees every tensor it makes.
 * @returns [H·W] float32, row-major, row 0 at the top (y = y_max)
 * @throws RangeError when `bounds` are not finite and increasing, `logDet` is not finite, or
 * `toModel` is not affine per coordinate with positive slopes (checked on the box's corners and centre)
 */
export function dataLogDensityGrid(model: DiffusionModel, options: DataLogDensityGridOptions): Float32Array {
  const where = 'dataLogDensityGrid';
  const { bounds, toModel, logDet, ...picture } = options;
  const [x0, x1, y0, y1] = bounds;
  if (!Number.isFinite(x0) || !Number.isFinite(x1) || !(x1 > x0) || !Number.isFinite(y0) || !Number.isFinite(y1) || !(y1 > y0)) {
    throw new RangeError(`${where}: bounds must be finite [x_min, x_max, y_min, y_max] with x_min < x_max and y_min < y_max, got [${bounds.join(', ')}]`);
  }
  if (!Number.isFinite(logDet)) throw new RangeError(`${where}: logDet must be finite, got ${logDet}`);
  // the box's corners (x_min, y_min), (x_max, y_max), then (x_min, y_max), (x_max, y_min) and its centre
  const probe = toModel(Float32Array.of(x0, y0, x1, y1, x0, y1, x1, y0, (x0 + x1) / 2, (y0 + y1) / 2));
  if (probe.length !== 10) throw new RangeError(`${where}: toModel must map [n, 2] points to [n, 2]; it returned ${probe.length} numbers for 5 points`);
  const [u0, v0, u1, v1, ...rest] = Array.from(probe) as [number, number, number, number, ...number[]];
  if (!Number.isFinite(u0) || !Number.isFinite(u1) || !(u1 > u0) || !Number.isFinite(v0) || !Number.isFinite(v1) || !(v1 > v0)) {
    throw new RangeError(`${where}: toModel must be increasing in each coordinate; it maps the box to [${u0}, ${u1}] × [${v0}, ${v1}]`);
  }
  const want = [u0, v1, u1, v0, (u0 + u1) / 2, (v0 + v1) / 2];
  const scale = Math.max(Math.abs(u0), Math.abs(u1), Math.abs(v0), Math.abs(v1));
  if (want.some((w, k) => !(Math.abs((rest[k] as number) - w) <= affineTolerance(scale)))) {
    throw new RangeError(`${where}: toModel must be affine in each coordinate separately (x ↦ a·x + b, y ↦ c·y + d); the box's other corners or centre do not map to the mapped box's`);
  }
  return logDensityGrid(model, { ...picture, xRange: [u0, u1], yRange: [v0, v1] }).map((v) => v + logDet);
}
