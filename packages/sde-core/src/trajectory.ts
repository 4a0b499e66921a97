import * as tf from '@tensorflow/tfjs-core';
import type { Diffusion } from './diffusion.js';
import { forwardStep } from './euler_maruyama.js';
import { checkGrid, type TimeGrid } from './grid.js';
import type { NoiseSource } from './noise.js';

/** A time-dependent vector field (x: [B, ...D], t) → [B, ...D]: a drift f or a score s. */
export type TimeField = (x: tf.Tensor, t: number) => tf.Tensor;

/** A simulated path: states[i] is x at times[i]; states.length === times.length. */
export interface Trajectory {
  readonly times: TimeGrid;
  /** x_0 … x_N, each [B, ...D]. The caller owns (and disposes) them. */
  readonly states: readonly tf.Tensor[];
}

/**
 * Simulates the forward SDE dx = f dt + g dw from x_0 along a grid (Euler–Maruyama, Eq. 11).
 * @param x0 [B, ...D] (not disposed; states[0] is a copy)
 * @returns the trajectory x_0 … x_N, for plots (data → noise) and tests.
 */
export function simulateForward(f: TimeField, g: Diffusion, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource): Trajectory {
  checkGrid(grid);
  const states: tf.Tensor[] = [x0.clone()];
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i] as number;
    const dt = (grid[i + 1] as number) - t;
    const x = states[i] as tf.Tensor;
    states.push(tf.tidy(() => forwardStep(x, f(x, t), g(t), dt, noise(i, x.shape))));
  }
  return { times: grid, states };
}

/** Disposes every state of a trajectory. */
export function disposeTrajectory(trajectory: Trajectory): void {
  tf.dispose(trajectory.states as tf.Tensor[]);
}
