import { vpSde, type DiffusionModel, type VectorField, type VpSchedule } from '@diffflow/sde-core';
import { scoreFromEpsilon } from '@diffflow/networks';
import type { DiffFlowModel } from './model.js';

/**
 * A trained DDPM as a model: the VP SDE and the score −ε_θ/σ(t). The λ-family sampler and the
 * likelihood code then treat it like any model (times in (0, 1]; the score is undefined at t = 0).
 * Disposing `model.score` disposes `epsNet`. The result also carries the deprecated
 * `{ drift, score, diffusion }` fields, so it passes where a `DiffFlowModel` is expected.
 * @example ddpmModel(epsNet, vpSchedule()) // = diffusionModel(vpSde(s), scoreFromEpsilon(epsNet, vpSde(s)))
 */
export function ddpmModel(epsNet: VectorField, schedule: VpSchedule): DiffusionModel & DiffFlowModel {
  const sde = vpSde(schedule);
  const score = scoreFromEpsilon(epsNet, sde);
  return Object.freeze({ sde, score, drift: sde.drift, diffusion: sde.diffusion });
}
