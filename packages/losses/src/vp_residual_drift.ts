import { checkVpSchedule, vpSde, type VectorField, type VpSchedule } from '@diffflow/sde-core';
import { sumFields } from '@diffflow/networks';

/**
 * The drift of DiffFlow started at its diffusion-model end: the fixed VP drift plus a learned
 * residual, f(x, t) = −½β(t) x + f_θ(x, t). Its parameters are the residual's (same `Parameter`
 * objects); pull-backs (`vjp`, `linearize`) come from the residual's by the chain rule, so the
 * adjoint's drift cache stays on for a residual that has them. `dispose()` disposes `residual`.
 * @deprecated Use `sumFields([vpSde(schedule).drift, residual], name)` from @diffflow/networks.
 */
export function vpResidualDrift(schedule: VpSchedule, residual: VectorField, name = `vp+${residual.name}`): VectorField {
  checkVpSchedule(schedule);
  return sumFields([vpSde(schedule).drift, residual], name);
}
