import type { Sde } from './sde.js';
import type { VectorField } from './vector_field.js';

/**
 * A diffusion model: a forward {@link Sde} and a score field s(x, t) ≈ ∇ log p_t(x). The backward
 * SDE dx = (f − g² s) dt + g dw (and the whole λ-family, `reverseProcess`) is defined by these two. DiffFlow trains
 * both the SDE's drift and the score; VP, sub-VP and VE train only the score, whose
 * parameterisation (a score network, an ε-network wrapped by `scoreFromEpsilon`, any wrapper from
 * @diffflow/networks) is the field itself.
 */
export interface DiffusionModel {
  readonly sde: Sde;
  readonly score: VectorField;
}

/** A model from an SDE and a score field. */
export function diffusionModel(sde: Sde, score: VectorField): DiffusionModel {
  if (typeof score?.apply !== 'function') throw new RangeError('diffusionModel: score must be a VectorField (an object with apply(x, t))');
  return Object.freeze({ sde, score });
}

/** The fields whose parameters a model trains: the drift and the score (a parameter-free drift has none). */
export function modelFields(model: DiffusionModel): readonly [VectorField, VectorField] {
  return [model.sde.drift, model.score];
}
