import { functionalDiffusion } from './diffusion.js';
import { standardNormalPrior } from './prior.js';
import { linearDrift, sde, type Sde } from './sde.js';

/**
 * The variance-preserving (VP) and sub-VP SDEs of score_sde on t ∈ [0, 1], with the linear
 *   β(t) = β_min + t (β_max − β_min),   B(t) = ∫₀ᵗ β = β_min t + ½ t² (β_max − β_min):
 *   VP      dx = −½β(t) x dt + √β(t) dw,                    x_t = e^{−½B} x_0 + √(1 − e^{−B}) ε
 *   sub-VP  dx = −½β(t) x dt + √(β(t)(1 − e^{−2B(t)})) dw,   x_t = e^{−½B} x_0 + (1 − e^{−B}) ε
 * Both end near N(0, I), their prior.
 */

/** What fixes a VP schedule. */
export interface VpSchedule {
  /** β(0) = β_min > 0 (score_sde: 0.1). */
  readonly betaMin: number;
  /** β(1) = β_max ≥ β_min (score_sde: 20). */
  readonly betaMax: number;
  /** Number K ≥ 1 of discrete steps of the DDPM chain (score_sde and Ho et al.: 1000). */
  readonly steps: number;
}

/** The schedule of score_sde's VPSDE: β_min = 0.1, β_max = 20, K = 1000. */
export const defaultVpSchedule: VpSchedule = Object.freeze({ betaMin: 0.1, betaMax: 20, steps: 1000 });

/** Throws a RangeError naming the first field of `schedule` out of its allowed range. */
export function checkVpSchedule(schedule: VpSchedule, where = 'vpSchedule'): void {
  const { betaMin, betaMax, steps } = schedule;
  if (!Number.isFinite(betaMin) || betaMin <= 0) throw new RangeError(`${where}.betaMin must be a finite number > 0, got ${betaMin}`);
  if (!Number.isFinite(betaMax) || betaMax < betaMin) {
    throw new RangeError(`${where}.betaMax must be a finite number ≥ betaMin = ${betaMin}, got ${betaMax}`);
  }
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`${where}.steps must be an integer ≥ 1, got ${steps}`);
}

/**
 * A checked VP schedule; omitted fields take score_sde's defaults.
 * @example vpSchedule({ betaMax: 10 }) // { betaMin: 0.1, betaMax: 10, steps: 1000 }
 */
export function vpSchedule(options: Partial<VpSchedule> = {}): VpSchedule {
  const schedule = { ...defaultVpSchedule, ...options };
  checkVpSchedule(schedule);
  return Object.freeze(schedule);
}

function checkTime(t: number, where: string): void {
  if (!Number.isFinite(t) || t < 0) throw new RangeError(`${where}: t must be a finite number ≥ 0, got ${t}`);
}

/** β(t) = β_min + t (β_max − β_min). */
export function vpBeta(schedule: VpSchedule, t: number): number {
  checkTime(t, 'vpBeta');
  return schedule.betaMin + t * (schedule.betaMax - schedule.betaMin);
}

/** B(t) = ∫₀ᵗ β(s) ds = β_min t + ½ t² (β_max − β_min). */
export function vpIntegratedBeta(schedule: VpSchedule, t: number): number {
  checkTime(t, 'vpIntegratedBeta');
  return schedule.betaMin * t + 0.5 * t * t * (schedule.betaMax - schedule.betaMin);
}

/** The closed-form marginal p_t(x | x_0) = N(m(t) x_0, σ(t)² I) of the VP SDE. */
export interface VpMarginal {
  /** m(t) = exp(−½ B(t)). */
  readonly meanCoefficient: number;
  /** σ(t) = √(1 − exp(−B(t))), computed with expm1 so it stays accurate for small t. */
  readonly std: number;
}

/**
 * The marginal of the VP SDE started at x_0 (score_sde's `VPSDE.marginal_prob`).
 * @example vpMarginal(defaultVpSchedule, 1) // { meanCoefficient ≈ 6.57e-3, std ≈ 0.99998 }
 */
export function vpMarginal(schedule: VpSchedule, t: number): VpMarginal {
  checkVpSchedule(schedule);
  const b = vpIntegratedBeta(schedule, t);
  return { meanCoefficient: Math.exp(-0.5 * b), std: Math.sqrt(-Math.expm1(-b)) };
}

/**
 * The VP SDE dx = −½β(t) x dt + √β(t) dw on [0, 1], prior N(0, I), with its closed-form marginal.
 * A DDPM is a model on this SDE (score −ε_θ/σ(t)).
 */
export function vpSde(schedule: VpSchedule = defaultVpSchedule): Sde {
  checkVpSchedule(schedule);
  return sde({
    name: `VP(${schedule.betaMin}, ${schedule.betaMax})`,
    drift: linearDrift((t) => -0.5 * vpBeta(schedule, t), 'vpDrift'),
    diffusion: functionalDiffusion((t) => Math.sqrt(vpBeta(schedule, t))),
    prior: standardNormalPrior,
    interval: [0, 1],
    marginal: (t) => {
      const m = vpMarginal(schedule, t);
      return { meanScale: m.meanCoefficient, std: m.std };
    },
  });
}

/**
 * The sub-VP SDE of score_sde: dx = −½β(t) x dt + √(β(t)(1 − e^{−2B(t)})) dw on [0, 1], prior
 * N(0, I); x_t = e^{−½B} x_0 + (1 − e^{−B}) ε (its variance lies below VP's at every t).
 */
export function subVpSde(schedule: VpSchedule = defaultVpSchedule): Sde {
  checkVpSchedule(schedule);
  return sde({
    name: `subVP(${schedule.betaMin}, ${schedule.betaMax})`,
    drift: linearDrift((t) => -0.5 * vpBeta(schedule, t), 'subVpDrift'),
    diffusion: functionalDiffusion((t) => Math.sqrt(vpBeta(schedule, t) * -Math.expm1(-2 * vpIntegratedBeta(schedule, t)))),
    prior: standardNormalPrior,
    interval: [0, 1],
    marginal: (t) => {
      const b = vpIntegratedBeta(schedule, t);
      return { meanScale: Math.exp(-0.5 * b), std: -Math.expm1(-b) };
    },
  });
}
