/**
 * The variance-preserving (VP) noise schedule of a DDPM, in continuous and discrete time.
 *
 * (The continuous VP SDE, its schedule and marginal live in @diffflow/sde-core: `vpSde`, `vpSchedule`, `vpMarginal`.)
 *
 * Continuous (score_sde's VPSDE): dx = −½β(t) x dt + √β(t) dw on t ∈ [0, 1], with the linear
 *   β(t) = β_min + t (β_max − β_min),
 * whose marginal is x_t = m(t) x_0 + σ(t) ε, ε ~ N(0, I), with
 *   B(t) = ∫₀ᵗ β = β_min t + ½ t² (β_max − β_min),  m(t) = exp(−½ B(t)),  σ(t)² = 1 − exp(−B(t)).
 *
 * Discrete (Ho et al. 2020): K steps k = 1 … K with ᾱ_k = Π_{j ≤ k} (1 − β_j), ᾱ_0 = 1. Step k sits
 * at the network time t_k = k / K. Two discretisations are on offer ({@link DdpmTime}):
 *  - 'discrete': β_k linear from β_min/K to β_max/K, score_sde's `discrete_betas`
 *    (K = 1000 gives Ho's 1e-4 … 0.02);
 *  - 'continuous': ᾱ_k = m(t_k)², i.e. β_k = 1 − exp(−∫_{t_{k−1}}^{t_k} β), so the discrete chain
 *    has exactly the marginals of the VP SDE at its grid times (what a network trained with
 *    continuous t, and the score wrapper −ε/σ(t), assume).
 * For K = 1000 and the default β range the two agree to within 7 % in ᾱ_k and 5 % in √(1 − ᾱ_k).
 */

import { checkVpSchedule, vpBeta, vpIntegratedBeta, type VpSchedule } from '@diffflow/sde-core';

/** How the discrete ᾱ_k are derived from the schedule (see the module comment). */
export type DdpmTime = 'continuous' | 'discrete';

/** The values of {@link DdpmTime}, for validation messages. */
export const ddpmTimes: readonly DdpmTime[] = ['continuous', 'discrete'];

/** Throws unless `time` is one of {@link ddpmTimes}. */
export function checkDdpmTime(time: string, where: string): asserts time is DdpmTime {
  if (!(ddpmTimes as readonly string[]).includes(time)) {
    throw new RangeError(`${where} must be one of ${ddpmTimes.join(', ')}, got ${time}`);
  }
}

/**
 * ᾱ_0 … ᾱ_K (ᾱ_0 = 1) of the discrete chain, in float64.
 * @param time 'continuous' (default): ᾱ_k = m(k/K)²; 'discrete': Π (1 − β_j), β_j linear.
 */
export function ddpmAlphaBars(schedule: VpSchedule, time: DdpmTime = 'continuous'): Float64Array {
  checkVpSchedule(schedule);
  checkDdpmTime(time, 'ddpmAlphaBars: time');
  const k = schedule.steps;
  const out = new Float64Array(k + 1);
  out[0] = 1;
  if (time === 'continuous') {
    for (let i = 1; i <= k; i++) out[i] = Math.exp(-vpIntegratedBeta(schedule, i / k));
    return out;
  }
  if (schedule.betaMax / k >= 1) {
    throw new RangeError(`ddpmAlphaBars: discrete β_K = betaMax / steps must be < 1, got ${schedule.betaMax} / ${k}`);
  }
  let product = 1;
  for (let i = 1; i <= k; i++) {
    const w = k === 1 ? 0 : (i - 1) / (k - 1);
    product *= 1 - vpBeta(schedule, w) / k;
    out[i] = product;
  }
  return out;
}

/** β_1 … β_K of the discrete chain: β_k = 1 − ᾱ_k / ᾱ_{k−1} (index 0 holds β_1). */
export function ddpmBetas(schedule: VpSchedule, time: DdpmTime = 'continuous'): Float64Array {
  const alphaBars = ddpmAlphaBars(schedule, time);
  return Float64Array.from({ length: schedule.steps }, (_, i) => 1 - (alphaBars[i + 1] as number) / (alphaBars[i] as number));
}
