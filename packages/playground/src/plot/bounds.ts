/**
 * The data window every data-space plot of a session shares (data, samples, log-density, few-step
 * samples), so their axes are the same: a drawing's canvas, [−4, 4]², or the toy's square window
 * around its plotted points (`squareBounds` of @diffflow/figures/plot, as the CLI's figures).
 */
import { squareBounds, type Bounds } from '@diffflow/figures/plot';
import type { DatasetChoice } from '../settings.js';

/** The drawing canvas's window (data coordinates): where strokes can be drawn. */
export const DRAW_BOUNDS: Bounds = [-4, 4, -4, 4];

/** The window of a session's data plots: `DRAW_BOUNDS` for a drawing, else the square around `points` ([n, 2]). */
export function plotBounds(dataset: DatasetChoice, points: Float32Array): Bounds {
  return dataset === 'drawn' ? DRAW_BOUNDS : squareBounds(points);
}
