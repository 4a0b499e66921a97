import * as tf from '@tensorflow/tfjs-core';
import type { Diffusion } from './diffusion.js';
import { forwardStep, halfSquaredNorm } from './euler_maruyama.js';
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

/** Options of {@link eulerMaruyamaRollout}. */
export interface RolloutOptions {
  /** F_i = f(x_i, t_i). */
  readonly driftAt: (i: number, x: tf.Tensor) => tf.Tensor;
  /** Frees F_i once step i has used it (default: dispose). */
  readonly release?: (i: number, f: tf.Tensor) => void;
  /** Also evaluate F_N at x_N (what the loss's last backward noise needs). Default false. */
  readonly lastDrift?: boolean;
  /** Per-step term after step i, from (x_i, x_{i+1}, F_{i+1}); summed into `visited`. */
  readonly visit?: (i: number, x: tf.Tensor, z: tf.Tensor, fz: tf.Tensor | null) => tf.Tensor1D;
  /** Keep every state x_0 … x_N. Default false: only x_N. */
  readonly keepStates?: boolean;
}

/** What {@link eulerMaruyamaRollout} returns; the caller owns every tensor but x_0. */
export interface Rollout {
  /** x_0 … x_N with `keepStates`, else [x_0, x_N]. x_0 is the caller's own tensor. */
  readonly states: readonly tf.Tensor[];
  /** Σ_i ½‖δ^F_i‖² per row: [B]. */
  readonly forwardEnergy: tf.Tensor1D;
  /** Σ_i visit(i, …) per row: [B] (zeros without `visit`). */
  readonly visited: tf.Tensor1D;
}

/**
 * The forward Euler–Maruyama rollout of dx = f dt + g dw (paper Eq. 11), written once for the
 * plots' trajectories ({@link simulateForward}), the trajectory KL and the adjoint:
 *   x_{i+1} = x_i + F_i Δt_i + g(t_i) √Δt_i δ^F_i,   F_i = f(x_i, t_i),
 * one step at a time (each step's intermediates freed), F_{i+1} evaluated once and shared by step
 * i's `visit` and step i + 1. Works under a gradient tape and without one.
 * @param x0 [B, ...D] (not disposed)  @param grid t_0 < … < t_N (checked by the caller)
 * @param noise δ^F_i for step i (its shape checked against x)
 */
export function eulerMaruyamaRollout(g: Diffusion, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource, options: RolloutOptions): Rollout {
  const { driftAt } = options;
  const release = options.release ?? ((_: number, f: tf.Tensor) => f.dispose());
  const steps = grid.length - 1;
  const batch = x0.shape[0] as number;
  const states: tf.Tensor[] = [x0];
  let forward: tf.Tensor1D = tf.zeros([batch]);
  let visited: tf.Tensor1D = tf.zeros([batch]);
  let x = x0;
  let fx: tf.Tensor | null = driftAt(0, x0);
  try {
    for (let i = 0; i < steps; i++) {
      const t0 = grid[i] as number;
      const dt = (grid[i + 1] as number) - t0;
      const f = fx as tf.Tensor;
      const [z, acc] = tf.tidy(() => {
        const df = noise(i, x.shape);
        if (df.rank !== x.rank || df.shape.some((d, k) => d !== x.shape[k])) {
          throw new RangeError(`the noise source gave [${df.shape.join(', ')}] for step ${i}, expected the shape of x [${x.shape.join(', ')}]`);
        }
        return [forwardStep(x, f, g(t0), dt, df), tf.add(forward, halfSquaredNorm(df))];
      }) as [tf.Tensor, tf.Tensor1D];
      forward.dispose();
      forward = acc;
      release(i, f);
      fx = null;
      const fz = i + 1 < steps || options.lastDrift === true ? driftAt(i + 1, z) : null;
      if (options.visit !== undefined) {
        const visit = options.visit;
        const acc = tf.tidy(() => tf.add(visited, visit(i, x, z, fz)) as tf.Tensor1D);
        visited.dispose();
        visited = acc;
      }
      if (options.keepStates !== true && x !== x0) x.dispose();
      if (options.keepStates === true) states.push(z);
      x = z;
      fx = fz;
    }
    if (fx !== null) release(steps, fx);
  } catch (e) {
    tf.dispose([forward, visited, ...states.slice(1), ...(x !== x0 && !states.includes(x) ? [x] : []), ...(fx === null ? [] : [fx])]);
    throw e;
  }
  return { states: options.keepStates === true ? states : [x0, x], forwardEnergy: forward, visited };
}

/**
 * Simulates the forward SDE dx = f dt + g dw from x_0 along a grid ({@link eulerMaruyamaRollout}, Eq. 11).
 * @param x0 [B, ...D] (not disposed; states[0] is a copy)
 * @returns the trajectory x_0 … x_N, for plots (data → noise) and tests.
 */
export function simulateForward(f: TimeField, g: Diffusion, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource): Trajectory {
  checkGrid(grid);
  const r = eulerMaruyamaRollout(g, x0, grid, noise, { driftAt: (i, x) => tf.tidy(() => f(x, grid[i] as number)), keepStates: true });
  tf.dispose([r.forwardEnergy, r.visited]);
  return { times: grid, states: [x0.clone(), ...r.states.slice(1)] };
}

/** Disposes every state of a trajectory. */
export function disposeTrajectory(trajectory: Trajectory): void {
  tf.dispose(trajectory.states as tf.Tensor[]);
}
