import * as tf from '@tensorflow/tfjs-core';
import { checkVpSchedule, linearDrift, vpBeta, vpSde, type Diffusion, type VectorField, type VpSchedule } from '@diffflow/sde-core';

/** Checks that a per-row time tensor fits the batch of x. */
export function checkRowTimes(x: tf.Tensor, t: number | tf.Tensor1D, where: string): void {
  if (typeof t !== 'number' && (t.rank !== 1 || t.shape[0] !== x.shape[0])) {
    throw new RangeError(`${where}: t must be a number or [B] = [${x.shape[0]}], got [${t.shape.join(', ')}]`);
  }
}

/** A [B] tensor of per-row scalars reshaped to [B, 1, …, 1] so it broadcasts against x: [B, ...D]. */
export function perRow(values: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.reshape(values, [x.shape[0] as number, ...x.shape.slice(1).map(() => 1)]);
}

/** β(t) as a [B] tensor for per-row times (float32). */
export function vpBetaTensor(schedule: VpSchedule, t: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.add(tf.mul(t, schedule.betaMax - schedule.betaMin), schedule.betaMin) as tf.Tensor1D);
}

/**
 * The VP drift f(x, t) = −½β(t) x as a parameter-free {@link VectorField}.
 * @deprecated Use `vpSde(schedule).drift` from @diffflow/sde-core (or `linearDrift((t) => -0.5 * vpBeta(schedule, t), name)`).
 */
export function vpDrift(schedule: VpSchedule, name = 'vpDrift'): VectorField {
  checkVpSchedule(schedule);
  return linearDrift((t) => -0.5 * vpBeta(schedule, t), name);
}

/**
 * The VP diffusion g(t) = √β(t), checked on use (t ≥ 0).
 * @deprecated Use `vpSde(schedule).diffusion` from @diffflow/sde-core.
 */
export function vpDiffusion(schedule: VpSchedule): Diffusion {
  return vpSde(schedule).diffusion;
}
