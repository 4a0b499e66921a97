import type { Diffusion } from './diffusion.js';
import type { Prior } from './prior.js';
import { sde, type Sde } from './sde.js';
import type { VectorField } from './vector_field.js';

/** What {@link diffflowSde} takes. */
export interface DiffFlowSdeSpec {
  /** The learned drift f_θ(x, t). */
  readonly drift: VectorField;
  /** g(t) (the reference: constant 0.2 in 2-D). */
  readonly diffusion: Diffusion;
  /** p_T; default N(0, I). */
  readonly prior?: Prior;
  /** [t0, T] every grid must lie in; default [0, +∞). */
  readonly interval?: readonly [number, number];
}

/**
 * DiffFlow's forward SDE dx = f_θ(x, t) dt + g(t) dw with a learned drift (Zhang & Chen 2021): no
 * closed-form marginal; the trajectory KL trains f_θ to carry the data to the prior.
 */
export function diffflowSde(spec: DiffFlowSdeSpec): Sde {
  return sde({ name: `DiffFlow(${spec.drift.name})`, ...spec });
}
