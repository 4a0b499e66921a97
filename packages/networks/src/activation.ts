import * as tf from '@tensorflow/tfjs-core';

/** Names of the smooth activations on offer (see {@link activation}). */
export const activationNames = ['gelu', 'silu'] as const;
/** One of {@link activationNames}. */
export type ActivationName = (typeof activationNames)[number];

const GELU_SIGMOID_SCALE = 1.702;

/**
 * x·σ(a x) with its gradient σ(a x) + a x σ(a x)(1 − σ(a x)), built from sigmoid and arithmetic:
 * on wasm tanh costs ~16× a sigmoid, so the tanh/erf forms of GELU are avoided.
 * a = 1.702 is the sigmoid approximation of GELU (max abs error ≈ 0.02); a = 1 is SiLU (swish).
 */
function sigmoidGate(a: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const sig = tf.sigmoid(a === 1 ? x : tf.mul(x, a));
    save([x, sig]);
    return {
      value: tf.mul(x, sig),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, s] = saved as [tf.Tensor, tf.Tensor];
        // σ + a x σ (1 − σ) = σ · (1 + a x (1 − σ))
        const local = tf.mul(s, tf.add(1, tf.mul(tf.mul(xs, a), tf.sub(1, s))));
        return [tf.mul(dy, local)];
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

const scales: Record<ActivationName, number> = { gelu: GELU_SIGMOID_SCALE, silu: 1 };

const gates: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  gelu: sigmoidGate(scales.gelu),
  silu: sigmoidGate(scales.silu),
};

/** The slope a of the gate x·σ(a x) behind an activation name (1.702 for 'gelu', 1 for 'silu'). */
export function gateScale(name: ActivationName): number {
  return scales[name];
}

/** The gate x·σ(a x) with plain ops, no custom gradient (tape-free forward passes; same ops as {@link activation}). */
export function gateValue<T extends tf.Tensor>(x: T, a: number): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(a === 1 ? x : tf.mul(x, a))) as T);
}

/**
 * The gate x·σ(a x) and its derivative σ(a x)·(1 + a x (1 − σ(a x))), with plain ops (no custom
 * gradient): for hand-written pull-backs, which cache the derivative in the forward pass. Computes
 * exactly what {@link activation}'s forward and gradient compute (same ops, same rounding).
 */
export function gateWithDerivative<T extends tf.Tensor>(x: T, a: number): { value: T; derivative: T } {
  return tf.tidy(() => {
    const ax = a === 1 ? x : tf.mul(x, a);
    const sig = tf.sigmoid(ax);
    return {
      value: tf.mul(x, sig) as T,
      derivative: tf.mul(sig, tf.add(1, tf.mul(ax, tf.sub(1, sig)))) as T,
    };
  });
}

/** The activation function of a name. */
export function activation(name: ActivationName): (x: tf.Tensor) => tf.Tensor {
  return gates[name];
}
