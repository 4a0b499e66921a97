import { diffusionModel, vpSde, type DiffusionModel, type VectorField, type VpSchedule } from '@diffflow/sde-core';
import { scoreFromEpsilon } from '@diffflow/networks';

/**
 * A trained DDPM as a model: the VP SDE and the score −ε_θ/σ(t). The λ-family sampler and the
 * likelihood code then treat it like any model (times in (0, 1]; the score is undefined at t = 0).
 * Disposing `model.score` disposes `epsNet`.
 * @example ddpmModel(epsNet, vpSchedule()) // = diffusionModel(vpSde(s), scoreFromEpsilon(epsNet, vpSde(s)))
 */
export function ddpmModel(epsNet: VectorField, schedule: VpSchedule): DiffusionModel {
  const sde = vpSde(schedule);
  return diffusionModel(sde, scoreFromEpsilon(epsNet, sde));
}
