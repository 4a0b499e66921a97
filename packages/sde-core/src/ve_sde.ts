import { functionalDiffusion } from './diffusion.js';
import { gaussianPrior } from './prior.js';
import { linearDrift, sde, type Sde } from './sde.js';

/** What fixes a VE SDE: σ(t) = σ_min (σ_max/σ_min)^t on [0, 1]. */
export interface VeSchedule {
  /** σ_min > 0 (score_sde: 0.01). */
  readonly sigmaMin: number;
  /** σ_max > σ_min (score_sde: 50 for CIFAR-10; the largest pairwise distance of the data). */
  readonly sigmaMax: number;
}

/**
 * The variance-exploding (VE) SDE of score_sde (SMLD):
 *   dx = √(dσ²/dt) dw = σ(t) √(2 log(σ_max/σ_min)) dw,   σ(t) = σ_min (σ_max/σ_min)^t,  t ∈ [0, 1],
 * no drift, prior N(0, σ_max² I); x_t = x_0 + √(σ(t)² − σ_min²) ε exactly (score_sde rounds the
 * std to σ(t)).
 */
export function veSde(schedule: VeSchedule): Sde {
  const { sigmaMin, sigmaMax } = schedule;
  if (!Number.isFinite(sigmaMin) || sigmaMin <= 0) throw new RangeError(`veSde: sigmaMin must be a finite number > 0, got ${sigmaMin}`);
  if (!Number.isFinite(sigmaMax) || sigmaMax <= sigmaMin) throw new RangeError(`veSde: sigmaMax must be a finite number > sigmaMin = ${sigmaMin}, got ${sigmaMax}`);
  const logRatio = Math.log(sigmaMax / sigmaMin);
  const sigma = (t: number): number => sigmaMin * Math.exp(t * logRatio);
  return sde({
    name: `VE(${sigmaMin}, ${sigmaMax})`,
    drift: linearDrift(() => 0, 'veDrift'),
    diffusion: functionalDiffusion((t) => sigma(t) * Math.sqrt(2 * logRatio)),
    prior: gaussianPrior(sigmaMax),
    interval: [0, 1],
    // σ(t)² − σ_min² = σ_min² (e^{2t log r} − 1), with expm1 for small t
    marginal: (t) => ({ meanScale: 1, std: sigmaMin * Math.sqrt(Math.expm1(2 * t * logRatio)) }),
  });
}
