import * as tf from '@tensorflow/tfjs-core';
import { applyField, replayableNormal, checkVpSchedule, type VpSchedule } from '@diffflow/sde-core';
import type { VectorField } from '@diffflow/networks';
import { checkDdpmTime, ddpmAlphaBars, type DdpmTime } from './ddpm_schedule.js';
import { ddpmNoisePurposes } from './ddpm_loss.js';

/**
 * The DDPM ancestral sampler (Ho et al. 2020, Algorithm 2) on all K steps or on a strided subset of
 * N of them, respaced as improved-DDPM does (Nichol & Dhariwal 2021, `space_timesteps` and
 * `SpacedDiffusion`): keep the steps τ_1 < … < τ_N, set ᾱ'_i = ᾱ_{τ_i} (ᾱ'_0 = 1) and
 * β'_i = 1 − ᾱ'_i / ᾱ'_{i−1}, and run the ordinary chain on (β', ᾱ'), feeding the network the
 * original time t = τ_i / K.
 */

/** Variance σ_i² of the reverse step: Ho et al.'s two choices. */
export type DdpmVariance = 'beta' | 'posterior';
/** Every {@link DdpmVariance}, for validating a config value. */
export const ddpmVariances: readonly DdpmVariance[] = ['beta', 'posterior'];

/** Round half to even, like Python 3's `round` (improved-DDPM rounds its strided indices so). */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The kept steps τ_1 < … < τ_N (1-based, out of 1 … K) of a strided sampler.
 * N ≥ 2: improved-DDPM's evenly strided rule with one section, 0-based indices
 * round(i (K − 1)/(N − 1)), i = 0 … N − 1 (accumulated in floating point and rounded half to even
 * exactly as `space_timesteps` does), so τ_1 = 1 and τ_N = K. N = K keeps every step.
 * N = 1: [K], a single denoising step from pure noise (improved-DDPM would keep step 1 instead).
 * @example ddpmStridedSteps(1000, 5) // [1, 251, 501, 750, 1000]
 */
export function ddpmStridedSteps(total: number, steps: number): number[] {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`ddpmStridedSteps: total (K) must be an integer ≥ 1, got ${total}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > total) {
    throw new RangeError(`ddpmStridedSteps: steps must be an integer in [1, K = ${total}], got ${steps}`);
  }
  if (steps === 1) return [total];
  const stride = (total - 1) / (steps - 1);
  const out: number[] = [];
  let cursor = 0;
  for (let i = 0; i < steps; i++) {
    out.push(roundHalfEven(cursor) + 1);
    cursor += stride;
  }
  return out;
}

/** A respaced chain of N steps. Arrays are float64; index i − 1 holds step i unless noted. */
export interface DdpmRespacing {
  /** τ_1 … τ_N, the original steps kept. */
  readonly steps: readonly number[];
  /** The network time t_i = τ_i / K of step i. */
  readonly times: readonly number[];
  /** ᾱ'_0 = 1, ᾱ'_1 … ᾱ'_N (length N + 1, index i holds ᾱ'_i). */
  readonly alphaBars: Float64Array;
  /** β'_i = 1 − ᾱ'_i / ᾱ'_{i−1}. */
  readonly betas: Float64Array;
}

/** The respaced chain for N of the schedule's K steps (N = K gives the full chain). */
export function ddpmRespacing(schedule: VpSchedule, steps: number, time: DdpmTime = 'continuous'): DdpmRespacing {
  checkVpSchedule(schedule);
  const kept = ddpmStridedSteps(schedule.steps, steps);
  const full = ddpmAlphaBars(schedule, time);
  const alphaBars = new Float64Array(steps + 1);
  alphaBars[0] = 1;
  kept.forEach((k, i) => (alphaBars[i + 1] = full[k] as number));
  const betas = Float64Array.from({ length: steps }, (_, i) => 1 - (alphaBars[i + 1] as number) / (alphaBars[i] as number));
  return { steps: kept, times: kept.map((k) => k / schedule.steps), alphaBars, betas };
}

/** Options of {@link ddpmAncestralSample}. */
export interface DdpmSampleOptions {
  /** Number of samples. */
  readonly n: number;
  /** Shape D of one sample (the result is [n, ...shape]). */
  readonly shape: readonly number[];
  /** Number N of reverse steps, 1 ≤ N ≤ K (default K: the full chain). */
  readonly steps?: number;
  /** Root seed of x_K and the step noises. */
  readonly seed: number;
  /** Sample batch index (NoiseKey.iteration; default 0). */
  readonly iteration?: number;
  /** How ᾱ_k is derived (default 'continuous'; match the `time` the network was trained with). */
  readonly time?: DdpmTime;
  /**
   * σ_i² = β'_i ('beta', default: Ho et al.'s CIFAR-10 choice and score_sde's ancestral predictor)
   * or the posterior variance β̃'_i = β'_i (1 − ᾱ'_{i−1}) / (1 − ᾱ'_i) ('posterior').
   */
  readonly variance?: DdpmVariance;
}

/**
 * Samples x_0 by the DDPM reverse chain from x_N ~ N(0, I):
 *   x_{i−1} = (x_i − β'_i / √(1 − ᾱ'_i) · ε_θ(x_i, t_i)) / √α'_i + σ_i z_i,  α'_i = 1 − β'_i,
 * with z_i from (seed, 'ddpm/ancestral', iteration, i) and no noise on the last step (i = 1).
 * x_N comes from (seed, 'ddpm/prior', iteration, 0).
 *
 * @param epsNet ε_θ(x, t), called N times with x: [n, ...shape] and a shared t
 * @returns [n, ...shape]
 */
export function ddpmAncestralSample(epsNet: VectorField, schedule: VpSchedule, options: DdpmSampleOptions): tf.Tensor {
  checkVpSchedule(schedule);
  const { n, shape, seed, steps = schedule.steps, iteration = 0, time = 'continuous', variance = 'beta' } = options;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ddpmAncestralSample: n must be an integer ≥ 1, got ${n}`);
  if (shape.length < 1 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`ddpmAncestralSample: shape must be a non-empty list of integers ≥ 1, got [${shape.join(', ')}]`);
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > schedule.steps) {
    throw new RangeError(`ddpmAncestralSample: steps must be an integer in [1, K = ${schedule.steps}], got ${steps}`);
  }
  if (!Number.isFinite(seed)) throw new RangeError(`ddpmAncestralSample: seed must be a finite number, got ${seed}`);
  if (!Number.isInteger(iteration) || iteration < 0) {
    throw new RangeError(`ddpmAncestralSample: iteration must be an integer ≥ 0, got ${iteration}`);
  }
  checkDdpmTime(time, 'ddpmAncestralSample: time');
  if (!ddpmVariances.includes(variance)) {
    throw new RangeError(`ddpmAncestralSample: variance must be one of ${ddpmVariances.join(', ')}, got ${variance}`);
  }
  const chain = ddpmRespacing(schedule, steps, time);
  const full = [n, ...shape];
  let x = replayableNormal(full, { seed, purpose: ddpmNoisePurposes.prior, iteration, step: 0 });
  try {
    for (let i = steps; i >= 1; i--) {
      const beta = chain.betas[i - 1] as number;
      const alphaBar = chain.alphaBars[i] as number;
      const alphaBarPrev = chain.alphaBars[i - 1] as number;
      const t = chain.times[i - 1] as number;
      const sigma = Math.sqrt(variance === 'beta' ? beta : (beta * (1 - alphaBarPrev)) / (1 - alphaBar));
      const current = x;
      x = tf.tidy(() => {
        const eps = applyField(epsNet, 'ε', current, t);
        const mean = tf.mul(tf.sub(current, tf.mul(eps, beta / Math.sqrt(1 - alphaBar))), 1 / Math.sqrt(1 - beta));
        if (i === 1) return mean;
        const z = replayableNormal(full, { seed, purpose: ddpmNoisePurposes.ancestral, iteration, step: i });
        return tf.add(mean, tf.mul(z, sigma));
      });
      current.dispose();
    }
  } catch (error) {
    x.dispose();
    throw error;
  }
  return x;
}
