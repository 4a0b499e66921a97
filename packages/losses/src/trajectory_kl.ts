import * as tf from '@tensorflow/tfjs-core';
import { applyField, checkSdeGrid, halfSquaredNorm, type DiffusionModel, type NoiseSource, type TimeGrid } from '@diffflow/sde-core';
import { forwardRollout, stepBackwardNoise } from './rollout.js';

/**
 * The terms of the trajectory KL loss, each a batch mean in nats per sample (scalars).
 *
 *   objective = E[−log p_T(x_N) + Σ_i ½‖δ^B_i‖²]                 (Eq. 16, what gradients follow)
 *   bound     = objective − E[Σ_i ½‖δ^F_i‖²] + D·log(g(t_N)/g(t_0))
 *
 * p_T is the SDE's prior. `bound` is the negative ELBO: E_data[−log p_B(x_0)] ≤ E[bound] (the
 * Gaussian normalisers of the forward and backward transitions cancel except for the log-ratio of
 * g, which telescopes).
 */
export interface TrajectoryLoss {
  readonly objective: tf.Scalar;
  readonly bound: tf.Scalar;
  /** E[−log p_T(x_N)] under the SDE's prior. */
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
export function diffusionLogRatio(model: DiffusionModel, grid: TimeGrid, dim: number): number {
  const g = model.sde.diffusion;
  return dim * Math.log(g(grid[grid.length - 1] as number) / g(grid[0] as number));
}

/**
 * −log p_T(x_N) per row under the SDE's prior, its shape checked.
 * @param xN [B, ...D] @returns [B]
 */
export function terminalNll(model: DiffusionModel, xN: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = model.sde.prior.logDensity(xN);
    if (logp.rank !== 1 || logp.shape[0] !== xN.shape[0]) {
      throw new RangeError(`prior '${model.sde.prior.name}': logDensity must map [B, ...D] to [B] = [${xN.shape[0]}], got [${logp.shape.join(', ')}]`);
    }
    return tf.neg(logp) as tf.Tensor1D;
  });
}

/**
 * The loss terms from per-row sums of a rollout, written once for the loss and the adjoint:
 * terminal = E[−log p_T(x_N)], objective = terminal + E backward, bound = objective − E forward +
 * D log(g_N/g_0).
 * @param terminal −log p_T(x_N) per row [B] ({@link terminalNll}) @param backward Σ ½‖δ^B‖² per row [B]
 * @param forward Σ ½‖δ^F‖² per row [B] @param dim D
 */
export function assembleLoss(model: DiffusionModel, grid: TimeGrid, dim: number, terminal: tf.Tensor1D, backward: tf.Tensor1D, forward: tf.Tensor1D): TrajectoryLoss {
  return tf.tidy(() => {
    const terminalMean = tf.mean(terminal) as tf.Scalar;
    const backwardEnergy = tf.mean(backward) as tf.Scalar;
    const forwardEnergy = tf.mean(forward) as tf.Scalar;
    const objective = tf.add(terminalMean, backwardEnergy) as tf.Scalar;
    const bound = tf.add(tf.sub(objective, forwardEnergy), diffusionLogRatio(model, grid, dim)) as tf.Scalar;
    return { objective, bound, terminal: terminalMean, backwardEnergy, forwardEnergy };
  });
}

/**
 * ½‖δ^B_i‖² per row of step i, with S_{i+1} = s(x_{i+1}, t_{i+1}) evaluated here (shape-checked).
 * @param x x_i @param z x_{i+1} @param fz f(x_{i+1}, t_{i+1}): [B, ...D] @returns [B]
 */
export function stepBackwardEnergy(model: DiffusionModel, x: tf.Tensor, z: tf.Tensor, fz: tf.Tensor, grid: TimeGrid, i: number): tf.Tensor1D {
  return tf.tidy(() => halfSquaredNorm(stepBackwardNoise(model, grid, i, x, z, fz, applyField(model.score, 'score', z, grid[i + 1] as number, i + 1))));
}

/**
 * The DiffFlow trajectory KL loss (paper Eq. 16, Algorithm 1) of any model — DiffFlow, VP, sub-VP,
 * VE or your own SDE — differentiable end to end (the "naive" strategy: autodiff through the
 * unrolled trajectory). The drift at x_{i+1} is evaluated once and shared by δ^B_i and the next
 * forward step: 2N + 1 network calls. The terminal term uses the SDE's prior.
 *
 * @param m a `DiffusionModel`: its SDE (drift, g, prior) and score
 * @param x0 data: [B, ...D]
 * @param grid t_0 … t_N inside the SDE's interval
 * @param noise δ^F_i for step i (see `forwardNoise`)
 */
export function trajectoryKl(m: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, noise: NoiseSource): TrajectoryLoss {
  checkSdeGrid(m.sde, grid, 'trajectoryKl: grid');
  if (x0.rank < 2 || (x0.shape[0] ?? 0) < 1) throw new RangeError(`trajectoryKl: x0 must be [B, ...D] with B ≥ 1, got [${x0.shape.join(', ')}]`);
  return tf.tidy(() => {
    const r = forwardRollout(m, x0, grid, noise, {
      lastDrift: true,
      visit: (i, x, z, fz) => stepBackwardEnergy(m, x, z, fz as tf.Tensor, grid, i),
    });
    return { ...assembleLoss(m, grid, sampleDim(x0), terminalNll(m, r.states[r.states.length - 1] as tf.Tensor), r.visited, r.forwardEnergy) };
  });
}
