import { checkGrid, type TimeGrid } from './grid.js';
import type { Sde } from './sde.js';

/** What fixes a log-SNR grid: N steps from `tMin` to `tMax`. */
export interface LogSnrGridSpec {
  /** Number of steps N ≥ 1 (the grid has N + 1 points). */
  readonly steps: number;
  /** First time t_0 > 0, where σ(t_0) > 0. */
  readonly tMin: number;
  /** Last time t_N = T > tMin. */
  readonly tMax: number;
}

/** Half the log signal-to-noise ratio of a linear marginal at t: λ(t) = log(m(t) / σ(t)). */
function halfLogSnr(sde: Sde, t: number): number {
  const { meanScale, std } = (sde.marginal as NonNullable<Sde['marginal']>)(t);
  return Math.log(meanScale) - Math.log(std);
}

/**
 * The grid uniform in the SDE's half log-SNR λ(t) = log(m(t)/σ(t)) between tMin and tMax: the time
 * steps DPM-Solver recommends (Lu et al. 2022, §3.3), where an exponential integrator's error per
 * step is balanced, and short steps fall where λ changes fast (near the data for VP and VE).
 * Each interior time solves λ(t_i) = λ(tMin) + (i/N)(λ(tMax) − λ(tMin)) by bisection to float64
 * precision. Only for SDEs with a closed-form marginal (VP, sub-VP, VE) whose λ falls strictly over
 * [tMin, tMax].
 * @returns N + 1 increasing times with t_0 = tMin and t_N = tMax exactly.
 * @throws RangeError naming the SDE when it has no closed-form marginal, or the field of `spec` that is out of range.
 * @example logSnrGrid(vpSde(), { steps: 10, tMin: 1e-3, tMax: 1 })
 */
export function logSnrGrid(sde: Sde, spec: LogSnrGridSpec): TimeGrid {
  const { steps, tMin, tMax } = spec;
  if (sde.marginal === undefined) {
    throw new RangeError(`logSnrGrid: '${sde.name}' has no closed-form marginal (a learned drift), so no log-SNR; use fixedGrid`);
  }
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`logSnrGrid: steps must be an integer ≥ 1, got ${steps}`);
  if (!Number.isFinite(tMax) || !Number.isFinite(tMin) || !(tMin < tMax)) throw new RangeError(`logSnrGrid: needs finite tMin < tMax, got tMin = ${tMin}, tMax = ${tMax}`);
  const [t0, T] = sde.interval;
  if (tMin < t0 || tMax > T) throw new RangeError(`logSnrGrid: [tMin, tMax] = [${tMin}, ${tMax}] must lie inside the SDE's interval [${t0}, ${T}]`);
  const lambdaStart = halfLogSnr(sde, tMin);
  const lambdaEnd = halfLogSnr(sde, tMax);
  if (!Number.isFinite(lambdaStart)) throw new RangeError(`logSnrGrid: tMin must be where σ(t) > 0 (λ finite), got tMin = ${tMin} with λ = ${lambdaStart}`);
  if (!Number.isFinite(lambdaEnd) || !(lambdaEnd < lambdaStart)) {
    throw new RangeError(`logSnrGrid: the log-SNR of '${sde.name}' must fall from tMin to tMax, got λ(${tMin}) = ${lambdaStart}, λ(${tMax}) = ${lambdaEnd}`);
  }
  const times = [tMin];
  for (let i = 1; i < steps; i++) {
    const target = lambdaStart + (i / steps) * (lambdaEnd - lambdaStart);
    let lo = times[i - 1] as number;
    let hi = tMax;
    for (let k = 0; k < 200 && hi - lo > 1e-15 * hi; k++) {
      const mid = 0.5 * (lo + hi);
      if (halfLogSnr(sde, mid) > target) lo = mid;
      else hi = mid;
    }
    times.push(0.5 * (lo + hi));
  }
  times.push(tMax);
  checkGrid(times, `logSnrGrid('${sde.name}')`);
  return times;
}
