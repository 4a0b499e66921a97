/**
 * The Euler–Maruyama forward chain of the VP SDE (zero learned drift) on a time grid, in closed
 * form: x_{i+1} = x_i − ½β(t_i)x_iΔt_i + √(β(t_i)Δt_i) ξ_i is linear in x_0, so x_N = m·x_0 + noise
 * with m = Π(1 − ½β(t_i)Δt_i) and the noise's variance by the same recursion. The SDE itself ends
 * near N(0, I) at T = 1, but coarse steps where β is large overshoot: one step with β(t_i)Δt_i > 1
 * adds more variance than the prior holds.
 */
import { vpBeta, type VpSchedule } from './vp_sde.js';

/** Where the discretised forward chain of the VP SDE ends (see {@link vpForwardChain}). */
export interface VpForwardChain {
  /** x_N = m·x_0 + noise: the product of the Euler factors 1 − ½β(t_i)Δt_i. */
  readonly meanCoefficient: number;
  /** Variance of the noise in x_N (1 for a chain that ends at N(0, I)). */
  readonly variance: number;
  /** The largest variance β(t_i)Δt_i one step adds, and its step i. */
  readonly maxStepVariance: number;
  readonly maxStep: number;
}

/**
 * The chain's end on `grid` (increasing times t_0 … t_N; fewer than two points: no step, m = 1,
 * variance 0). What the trajectory KL of a VP forward process with f_θ = 0 simulates.
 */
export function vpForwardChain(schedule: VpSchedule, grid: readonly number[]): VpForwardChain {
  let meanCoefficient = 1;
  let variance = 0;
  let maxStepVariance = 0;
  let maxStep = 0;
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i] as number;
    const dt = (grid[i + 1] as number) - t;
    const b = vpBeta(schedule, t);
    const factor = 1 - 0.5 * b * dt;
    meanCoefficient *= factor;
    variance = factor * factor * variance + b * dt;
    if (b * dt > maxStepVariance) [maxStepVariance, maxStep] = [b * dt, i];
  }
  return { meanCoefficient, variance, maxStepVariance, maxStep };
}
