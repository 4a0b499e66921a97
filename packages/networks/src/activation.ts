import * as tf from '@tensorflow/tfjs-core';

/** Names of the smooth activations on offer (see {@link activation}). */
export const activationNames = ['gelu', 'silu'] as const;
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

const gates: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  gelu: sigmoidGate(GELU_SIGMOID_SCALE),
  silu: sigmoidGate(1),
};

/** The activation function of a name. */
export function activation(name: ActivationName): (x: tf.Tensor) => tf.Tensor {
  return gates[name];
}
