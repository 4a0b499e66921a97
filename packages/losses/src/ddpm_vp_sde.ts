import * as tf from '@tensorflow/tfjs-core';
import type { VpSchedule } from '@diffflow/sde-core';

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
