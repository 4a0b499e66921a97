import type { VectorField } from '@diffflow/networks';
import type { DiffFlowModel } from './model.js';
import type { VpSchedule } from './ddpm_schedule.js';
import { epsilonToScore } from './ddpm_score.js';
import { vpDiffusion, vpDrift } from './ddpm_vp_sde.js';

/**
 * A trained DDPM as a DiffFlow model: drift −½β(t)x, score −ε_θ/σ(t), g = √β(t). The λ-family
 * samplers and the likelihood code then treat it like any DiffFlow (use times in (0, 1]; the score
 * is undefined at t = 0). Disposing `model.score` disposes `epsNet`.
 */
export function ddpmModel(epsNet: VectorField, schedule: VpSchedule): DiffFlowModel {
  return { drift: vpDrift(schedule), score: epsilonToScore(epsNet, schedule), diffusion: vpDiffusion(schedule) };
}
