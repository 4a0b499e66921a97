import * as tf from '@tensorflow/tfjs-core';
import { functionalDiffusion, type Diffusion } from '@diffflow/sde-core';
import type { VectorField } from '@diffflow/networks';
import { checkVpSchedule, vpBeta, type VpSchedule } from './ddpm_schedule.js';

/**
 * The forward VP SDE dx = −½β(t) x dt + √β(t) dw as DiffFlow's drift and diffusion: a DDPM is a
 * DiffFlow whose drift is this fixed linear field (no parameters).
 */

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
 * `t` is a time shared by the batch or one per row ([B]); x is [B, ...D].
 */
export function vpDrift(schedule: VpSchedule, name = 'vpDrift'): VectorField {
  checkVpSchedule(schedule);
  const apply = (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor =>
    tf.tidy(() => {
      checkRowTimes(x, t, name);
      if (typeof t === 'number') return tf.mul(x, -0.5 * vpBeta(schedule, t));
      return tf.mul(x, perRow(tf.mul(vpBetaTensor(schedule, t), -0.5), x));
    });
  return { name, apply, parameters: [], parameterCount: 0, dispose: () => undefined };
}

/**
 * The VP diffusion g(t) = √β(t), checked on use (t ≥ 0).
 * @example vpDiffusion(defaultVpSchedule)(1) // √20
 */
export function vpDiffusion(schedule: VpSchedule): Diffusion {
  checkVpSchedule(schedule);
  return functionalDiffusion((t) => Math.sqrt(vpBeta(schedule, t)));
}
