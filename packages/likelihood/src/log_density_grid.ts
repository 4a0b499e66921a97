import * as tf from '@tensorflow/tfjs-core';
import type { DiffusionModel, TimeGrid } from '@diffflow/sde-core';
import { checkInteger } from './checks.js';
import { probabilityFlowNll, type PriorLogDensity } from './probability_flow_nll.js';

/** Options of {@link logDensityGrid}. */
export interface LogDensityGridOptions {
  /** [x_min, x_max] of the picture, x_min < x_max. */
  readonly xRange: readonly [number, number];
  /** [y_min, y_max] of the picture, y_min < y_max. */
  readonly yRange: readonly [number, number];
  /** Pixels: one number for a square picture, or [width, height]. */
  readonly resolution: number | readonly [number, number];
  /** ODE time grid t_0 (data) … T. */
  readonly grid: TimeGrid;
  /** 'rk4' on `grid` (default) or adaptive 'rk45' between its end points. */
  readonly solver?: 'rk4' | 'rk45';
  readonly rtol?: number;
  readonly atol?: number;
  readonly priorLogDensity?: PriorLogDensity;
  /** Pixels per ODE solve (default 512). */
  readonly batchSize?: number;
}

function pictureSize(resolution: number | readonly [number, number], where: string): [number, number] {
  const [w, h] = typeof resolution === 'number' ? [resolution, resolution] : resolution;
  checkInteger(w, where, 'resolution (width)', 1);
  checkInteger(h, where, 'resolution (height)', 1);
  return [w, h];
}

/**
 * Pixel centres of the picture, row-major with row 0 at the top (y = y_max) like an image:
 *   pixel (r, c) ↦ (x_min + (c + ½)(x_max − x_min)/W,  y_max − (r + ½)(y_max − y_min)/H).
 * @returns [H·W·2] float32: (x, y) of pixel r·W + c at 2(r·W + c)
 */
export function logDensityGridPoints(options: Pick<LogDensityGridOptions, 'xRange' | 'yRange' | 'resolution'>): Float32Array {
  const where = 'logDensityGridPoints';
  const [w, h] = pictureSize(options.resolution, where);
  const [x0, x1] = options.xRange;
  const [y0, y1] = options.yRange;
  if (!Number.isFinite(x0) || !Number.isFinite(x1) || !(x1 > x0)) throw new RangeError(`${where}: xRange must be finite with x_min < x_max, got [${x0}, ${x1}]`);
  if (!Number.isFinite(y0) || !Number.isFinite(y1) || !(y1 > y0)) throw new RangeError(`${where}: yRange must be finite with y_min < y_max, got [${y0}, ${y1}]`);
  const out = new Float32Array(w * h * 2);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      out[2 * (r * w + c)] = x0 + ((c + 0.5) * (x1 - x0)) / w;
      out[2 * (r * w + c) + 1] = y1 - ((r + 0.5) * (y1 - y0)) / h;
    }
  }
  return out;
}

/**
 * log p_{t_0} of a 2-D model at the pixel centres of a picture (for heat-maps), by the
 * probability-flow ODE with the exact trace (two vector–Jacobian products per evaluation):
 *   log p_{t_0}(x) = log p_T(x_T) + ∫_{t_0}^{T} tr(∂v/∂x) dt.
 * @returns [H·W] float32, row-major, row 0 at the top (y = y_max); see {@link logDensityGridPoints}
 */
export function logDensityGrid(model: DiffusionModel, options: LogDensityGridOptions): Float32Array {
  const points = logDensityGridPoints(options);
  const x = tf.tensor2d(points, [points.length / 2, 2]);
  try {
    const { nll } = probabilityFlowNll(model, x, {
      grid: options.grid,
      solver: options.solver,
      rtol: options.rtol,
      atol: options.atol,
      priorLogDensity: options.priorLogDensity,
      batchSize: options.batchSize,
      trace: { kind: 'exact' },
    });
    return Float32Array.from(nll, (v) => -v);
  } finally {
    x.dispose();
  }
}
