import * as tf from '@tensorflow/tfjs-core';
import {
  backwardNoise,
  checkGrid,
  forwardStep,
  halfSquaredNorm,
  type NoiseSource,
  type TimeGrid,
} from '@diffflow/sde-core';
import type { DiffFlowModel } from './model.js';

/**
 * The terms of the trajectory KL loss, each a batch mean in nats per sample (scalars).
 *
 *   objective = E[−log p_B(x_N) + Σ_i ½‖δ^B_i‖²]                 (Eq. 16, what gradients follow)
 *   bound     = objective − E[Σ_i ½‖δ^F_i‖²] + D·log(g(t_N)/g(t_0))
 *
 * `bound` is the negative ELBO: E_data[−log p_B(x_0)] ≤ E[bound] (the Gaussian normalisers of the
 * forward and backward transitions cancel except for the log-ratio of g, which telescopes).
 */
export interface TrajectoryLoss {
  readonly objective: tf.Scalar;
  readonly bound: tf.Scalar;
  /** E[−log N(x_N; 0, I)]. */
  readonly terminal: tf.Scalar;
  /** E[Σ ½‖δ^B_i‖²]. */
  readonly backwardEnergy: tf.Scalar;
  /** E[Σ ½‖δ^F_i‖²] (no gradient; makes `bound` a proper bound). */
  readonly forwardEnergy: tf.Scalar;
}

/** Names of the loss terms, in a fixed order (for logs and divergence messages). */
export const trajectoryLossTerms = ['objective', 'bound', 'terminal', 'backwardEnergy', 'forwardEnergy'] as const;

/** Dimension D of one sample of a [B, ...D] tensor. */
export function sampleDim(x: tf.Tensor): number {
  return x.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** −log N(x; 0, I) per row: ½‖x‖² + (D/2) log 2π. [B, ...D] → [B]. */
export function standardNormalNll(x: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.add(halfSquaredNorm(x), 0.5 * sampleDim(x) * Math.log(2 * Math.PI)) as tf.Tensor1D);
}

/** The constant D·log(g(t_N)/g(t_0)) of the bound; 0 for a constant g. */
export function diffusionLogRatio(model: DiffFlowModel, grid: TimeGrid, dim: number): number {
  const g0 = model.diffusion(grid[0] as number);
  const gN = model.diffusion(grid[grid.length - 1] as number);
  return dim * Math.log(gN / g0);
}

/**
 * Per-step bookkeeping of the loss, shared with the adjoint (which evaluates the same pieces in
 * reverse). Step i maps (x_i, x_{i+1}) with f_{i+1} = f(x_{i+1}, t_{i+1}), s_{i+1} = s(x_{i+1}, t_{i+1}).
 */
export function stepBackwardEnergy(
  model: DiffFlowModel,
  x: tf.Tensor,
  z: tf.Tensor,
  fz: tf.Tensor,
  grid: TimeGrid,
  i: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const t1 = grid[i + 1] as number;
    const dt = t1 - (grid[i] as number);
    const sz = model.score.apply(z, t1);
    return halfSquaredNorm(backwardNoise(x, z, fz, sz, model.diffusion(t1), dt));
  });
}

/**
 * The DiffFlow trajectory KL loss (paper Eq. 16, Algorithm 1), differentiable end to end (the
 * "naive" strategy: autodiff through the unrolled trajectory). The drift at x_{i+1} is evaluated
 * once and shared by δ^B_i and the next forward step: 2N + 1 network calls, not 3N.
 *
 * @param x0 data: [B, ...D]
 * @param grid t_0 … t_N
 * @param noise δ^F_i for step i (replayable; see `forwardNoise`)
 */
export function trajectoryKl(model: DiffFlowModel, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource): TrajectoryLoss {
  checkGrid(grid);
  return tf.tidy(() => {
    const steps = grid.length - 1;
    let x = x0;
    let fx = model.drift.apply(x, grid[0] as number);
    let backward: tf.Tensor1D = tf.zeros([x0.shape[0] as number]);
    let forward: tf.Tensor1D = tf.zeros([x0.shape[0] as number]);
    for (let i = 0; i < steps; i++) {
      const t0 = grid[i] as number;
      const t1 = grid[i + 1] as number;
      const dt = t1 - t0;
      const df = noise(i, x.shape);
      const z = forwardStep(x, fx, model.diffusion(t0), dt, df);
      const fz = model.drift.apply(z, t1);
      backward = tf.add(backward, stepBackwardEnergy(model, x, z, fz, grid, i));
      forward = tf.add(forward, halfSquaredNorm(df));
      x = z;
      fx = fz;
    }
    const terminal = tf.mean(standardNormalNll(x)) as tf.Scalar;
    const backwardEnergy = tf.mean(backward) as tf.Scalar;
    const forwardEnergy = tf.mean(forward) as tf.Scalar;
    const objective = tf.add(terminal, backwardEnergy) as tf.Scalar;
    const bound = tf.add(tf.sub(objective, forwardEnergy), diffusionLogRatio(model, grid, sampleDim(x0))) as tf.Scalar;
    return { objective, bound, terminal, backwardEnergy, forwardEnergy };
  });
}
