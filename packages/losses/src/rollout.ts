import * as tf from '@tensorflow/tfjs-core';
import {
  applyField,
  backwardNoise,
  forwardStep,
  halfSquaredNorm,
  type DiffusionModel,
  type NoiseSource,
  type TimeGrid,
} from '@diffflow/sde-core';

/** Options of {@link forwardRollout}. */
export interface RolloutOptions {
  /** F_i = f(x_i, t_i) (default: the SDE's drift, shape-checked). */
  readonly driftAt?: (i: number, x: tf.Tensor) => tf.Tensor;
  /** Frees F_i once step i has used it (default: dispose). */
  readonly release?: (i: number, f: tf.Tensor) => void;
  /** Also evaluate F_N at x_N (what the loss's last backward noise needs). Default false. */
  readonly lastDrift?: boolean;
  /** Per-step term after step i, from (x_i, x_{i+1}, F_{i+1}); summed into `visited`. */
  readonly visit?: (i: number, x: tf.Tensor, z: tf.Tensor, fz: tf.Tensor | null) => tf.Tensor1D;
  /** Keep every state x_0 … x_N (the adjoint's backward walk needs them). Default false: only x_N. */
  readonly keepStates?: boolean;
}

/** What {@link forwardRollout} returns; the caller owns every tensor but x_0. */
export interface Rollout {
  /** x_0 … x_N with `keepStates`, else [x_0, x_N]. x_0 is the caller's own tensor. */
  readonly states: readonly tf.Tensor[];
  /** Σ_i ½‖δ^F_i‖² per row: [B]. */
  readonly forwardEnergy: tf.Tensor1D;
  /** Σ_i visit(i, …) per row: [B] (zeros without `visit`). */
  readonly visited: tf.Tensor1D;
}

/**
 * The forward Euler–Maruyama rollout of the model's SDE (paper Eq. 11), written once for the
 * trajectory KL and the adjoint:
 *   x_{i+1} = x_i + F_i Δt_i + g(t_i) √Δt_i δ^F_i,   F_i = f(x_i, t_i),
 * one step at a time (each step's intermediates freed), F_{i+1} evaluated once and shared by step
 * i's `visit` (δ^B_i) and step i + 1. Works under a gradient tape (the naive loss) and without one.
 * @param x0 [B, ...D] (not disposed)  @param grid t_0 < … < t_N (checked by the caller)
 * @param noise δ^F_i for step i
 */
export function forwardRollout(model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource, options: RolloutOptions = {}): Rollout {
  const { drift, diffusion: g } = model.sde;
  const driftAt = options.driftAt ?? ((i: number, x: tf.Tensor) => applyField(drift, 'drift', x, grid[i] as number, i));
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
 * δ^B_i of step i along a path (paper Eq. 15), from x_i, x_{i+1} and F_{i+1}, S_{i+1} at x_{i+1}:
 *   δ^B_i = [x_i − x_{i+1} + (F_{i+1} − g(t_{i+1})² S_{i+1}) Δt_i] / (g(t_{i+1}) √Δt_i).
 * Shared by the loss (S from `apply`) and the adjoint (S from a linearisation). @returns [B, ...D]
 */
export function stepBackwardNoise(model: DiffusionModel, grid: TimeGrid, i: number, x: tf.Tensor, z: tf.Tensor, fz: tf.Tensor, sz: tf.Tensor): tf.Tensor {
  const t1 = grid[i + 1] as number;
  return backwardNoise(x, z, fz, sz, model.sde.diffusion(t1), t1 - (grid[i] as number));
}
