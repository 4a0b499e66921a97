import type { Diffusion } from '@diffflow/sde-core';
import type { VectorField } from '@diffflow/networks';

/**
 * A DiffFlow model: forward SDE dx = f dt + g dw and backward SDE dx = (f − g² s) dt + g dw.
 * Any drift/score pair and any g schedule compose into one (this is how variants are built:
 * a DDPM is a DiffFlow whose drift is the fixed linear −½β(t)x).
 */
export interface DiffFlowModel {
  readonly drift: VectorField;
  readonly score: VectorField;
  readonly diffusion: Diffusion;
}
