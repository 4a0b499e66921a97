import { diffflowSde, diffusionModel, type Diffusion, type DiffusionModel, type Sde, type VectorField } from '@diffflow/sde-core';

/**
 * The shape models had before the SDE object: a drift, a score and g(t), with the prior N(0, I) and
 * the time interval [0, ∞) implied.
 * @deprecated Build a `DiffusionModel` instead: `diffusionModel(diffflowSde({ drift, diffusion }), score)`
 *   (or `vpSde`/`subVpSde`/`veSde` for a fixed drift) from @diffflow/sde-core. Every consumer still
 *   accepts this shape through {@link asDiffusionModel}.
 */
export interface DiffFlowModel {
  readonly drift: VectorField;
  readonly score: VectorField;
  readonly diffusion: Diffusion;
}

/** What the library's consumers accept: a {@link DiffusionModel}, or (deprecated) a {@link DiffFlowModel}. */
export type ModelLike = DiffusionModel | DiffFlowModel;

const converted = new WeakMap<object, DiffusionModel>();

/**
 * The {@link DiffusionModel} of a model-like value: itself when it has an `sde`, else (deprecated
 * shape) `diffusionModel(diffflowSde({ drift, diffusion }), score)`, built once per object.
 */
export function asDiffusionModel(model: ModelLike): DiffusionModel {
  if ('sde' in model && (model as { sde?: Sde }).sde !== undefined) return model as DiffusionModel;
  const old = model as DiffFlowModel;
  const seen = converted.get(old);
  if (seen !== undefined && seen.sde.drift === old.drift && seen.score === old.score && seen.sde.diffusion === old.diffusion) return seen;
  const m = diffusionModel(diffflowSde({ drift: old.drift, diffusion: old.diffusion }), old.score);
  converted.set(old, m);
  return m;
}
