/**
 * Snapshots of a forward (data → noise) trajectory at a few times: what trajectory figures show and
 * what statistics along the trajectory (e.g. neighbour purity of labelled points) are computed on.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Diffusion } from './diffusion.js';
import type { TimeGrid } from './grid.js';
import type { NoiseSource } from './noise.js';
import { disposeTrajectory, simulateForward, type TimeField } from './trajectory.js';

/** States of a trajectory at a few of its times, copied out of tfjs. */
export interface TrajectorySnapshots {
  /** The times shown, grid[i] for each index picked, increasing. */
  readonly times: readonly number[];
  /** x at each time, [B, ...D] row-major. */
  readonly states: readonly Float32Array[];
}

/**
 * Indices of `count` snapshots evenly spaced over a grid of `steps` steps: round(k·steps/(count − 1))
 * for k = 0 … count − 1 (0 and `steps` included; an index reached twice is kept once).
 * @throws RangeError when `steps` is not an integer ≥ 1 or `count` not an integer ≥ 2
 */
export function snapshotIndices(steps: number, count: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`snapshotIndices: steps must be an integer >= 1, got ${steps}`);
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`snapshotIndices: count must be an integer >= 2, got ${count}`);
  return [...new Set(Array.from({ length: count }, (_, k) => Math.round((k * steps) / (count - 1))))];
}

/**
 * Simulates dx = f dt + g dw from `x0` along `grid` with `noise` ({@link simulateForward}) and keeps
 * the states at `count` evenly spaced grid indices ({@link snapshotIndices}). Tidy-clean; `x0` is not disposed.
 * @param x0 [B, ...D]
 * @throws RangeError for a bad `count` (before simulating), or what simulateForward throws
 */
export function forwardSnapshots(f: TimeField, g: Diffusion, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource, count: number): TrajectorySnapshots {
  const picks = snapshotIndices(grid.length - 1, count);
  const trajectory = simulateForward(f, g, x0, grid, noise);
  try {
    return { times: picks.map((i) => grid[i] as number), states: picks.map((i) => Float32Array.from(trajectory.states[i]!.dataSync() as Float32Array)) };
  } finally {
    disposeTrajectory(trajectory);
  }
}
