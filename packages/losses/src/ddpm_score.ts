import * as tf from '@tensorflow/tfjs-core';
import { hasVjp, type VectorField, type VjpResult, type WithVjp } from '@diffflow/networks';
import { checkVpSchedule, vpMarginal, type VpSchedule } from './ddpm_schedule.js';
import { checkRowTimes, perRow } from './ddpm_vp_sde.js';

/**
 * σ(t) = √(1 − exp(−B(t))) as a [B] tensor for per-row times. float32 has no expm1, so below
 * B = 0.01 the series B − B²/2 + B³/6 − B⁴/24 stands in for 1 − exp(−B) (truncation < B⁵/120,
 * relative < 1e-10); above it 1 − exp(−B) loses at most ~6e-6 relative.
 */
export function vpStdTensor(schedule: VpSchedule, t: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const b = tf.add(tf.mul(t, schedule.betaMin), tf.mul(tf.square(t), 0.5 * (schedule.betaMax - schedule.betaMin)));
    // Horner: B (1 − B/2 (1 − B/3 (1 − B/4)))
    const series = tf.mul(b, tf.sub(1, tf.mul(tf.mul(b, 0.5), tf.sub(1, tf.mul(tf.div(b, 3), tf.sub(1, tf.mul(b, 0.25)))))));
    const direct = tf.sub(1, tf.exp(tf.neg(b)));
    return tf.sqrt(tf.where(tf.less(b, 0.01), series, direct)) as tf.Tensor1D;
  });
}

function stdAt(schedule: VpSchedule, t: number, where: string): number {
  const std = vpMarginal(schedule, t).std;
  if (!(std > 0)) throw new RangeError(`${where}: t must be > 0 (σ(0) = 0 leaves the score undefined), got ${t}`);
  return std;
}

/**
 * The score of an ε-prediction network, s_θ(x, t) = −ε_θ(x, t) / σ(t), as a {@link VectorField}
 * that **shares** the parameters of `epsNet` (same `Parameter` objects, same tfjs variables), so a
 * trained DDPM plugs into `DiffFlowModel.score`. t > 0 (shared, or one per row: [B]).
 *
 * `dispose()` disposes `epsNet` (the variables are the same); disposing both is harmless.
 * If `epsNet` has its own pull-back (`WithVjp`), so does the wrapper:
 * dyᵀ∂s/∂(x, θ) = (−dy/σ)ᵀ∂ε/∂(x, θ).
 */
export function epsilonToScore(epsNet: VectorField, schedule: VpSchedule, name = `score(${epsNet.name})`): VectorField {
  checkVpSchedule(schedule);
  const apply = (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor =>
    tf.tidy(() => {
      checkRowTimes(x, t, name);
      const eps = epsNet.apply(x, t);
      if (typeof t === 'number') return tf.mul(eps, -1 / stdAt(schedule, t, name));
      return tf.div(tf.neg(eps), perRow(vpStdTensor(schedule, t), eps));
    });
  const field: VectorField = {
    name,
    apply,
    parameters: epsNet.parameters,
    parameterCount: epsNet.parameterCount,
    dispose: () => epsNet.dispose(),
  };
  if (!hasVjp(epsNet)) return field;
  const vjp = (x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult => {
    const scale = -1 / stdAt(schedule, t, name);
    const inner = tf.tidy(() => tf.mul(dy, scale));
    const r = epsNet.vjp(x, t, inner);
    inner.dispose();
    const value = tf.mul(r.value, scale);
    r.value.dispose();
    return { value, dx: r.dx, dparams: r.dparams };
  };
  return Object.assign(field, { vjp } satisfies WithVjp);
}
