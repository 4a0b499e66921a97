import * as tf from '@tensorflow/tfjs-core';
import { hasVjp, type VectorField, type VjpResult, type WithVjp } from '@diffflow/networks';
import { checkVpSchedule, vpBeta, type VpSchedule } from './ddpm_schedule.js';
import { vpDrift } from './ddpm_vp_sde.js';

/**
 * The drift of DiffFlow started at its diffusion-model end: the fixed VP drift plus a learned
 * residual,
 *   f(x, t) = −½β(t) x + f_θ(x, t),
 * as one {@link VectorField}. The VP part has no parameters, so the field's parameters **are**
 * the residual's (same `Parameter` objects, same tfjs variables): a trainer, an optimiser or a
 * checkpoint sees exactly the residual network. With f_θ = 0 (e.g. a U-Net whose last convolution
 * starts at zero) the forward SDE is the VP SDE, i.e. a DDPM; training f_θ with the trajectory KL
 * moves it away from there, as DiffFlow does from f = 0.
 *
 * `apply` is differentiable (tfjs autodiff through both terms). If `residual` has its own
 * pull-back (`WithVjp`), so does the sum: dyᵀ∂f/∂x = dyᵀ∂f_θ/∂x − ½β(t) dy, dyᵀ∂f/∂θ = dyᵀ∂f_θ/∂θ.
 * `dispose()` disposes `residual`.
 *
 * @param t of `apply`: a time shared by the batch, or one per row ([B]); x is [B, ...D].
 */
export function vpResidualDrift(schedule: VpSchedule, residual: VectorField, name = `vp+${residual.name}`): VectorField {
  checkVpSchedule(schedule);
  const linear = vpDrift(schedule, name);
  const apply = (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor => tf.tidy(() => tf.add(linear.apply(x, t), residual.apply(x, t)));
  const field: VectorField = {
    name,
    apply,
    parameters: residual.parameters,
    parameterCount: residual.parameterCount,
    dispose: () => residual.dispose(),
  };
  if (!hasVjp(residual)) return field;
  const vjp = (x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult => {
    const r = residual.vjp(x, t, dy);
    const slope = -0.5 * vpBeta(schedule, t);
    const value = tf.tidy(() => tf.add(tf.mul(x, slope), r.value));
    const dx = tf.tidy(() => tf.add(r.dx, tf.mul(dy, slope)));
    tf.dispose([r.value, r.dx]);
    return { value, dx, dparams: r.dparams };
  };
  return Object.assign(field, { vjp } satisfies WithVjp);
}
