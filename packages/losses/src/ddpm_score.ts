import * as tf from '@tensorflow/tfjs-core';
import type { VpSchedule } from '@diffflow/sde-core';

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
