import * as tf from '@tensorflow/tfjs-core';

/**
 * Euler–Maruyama steps of the forward and backward SDEs (paper Eqs. 11, 12, 15).
 * All tensors are [B, ...D]; times, step sizes and g are plain numbers shared by the batch.
 */

/**
 * Forward step (Eq. 11): x_{i+1} = x_i + f_i(x_i) Δt_i + g_i √Δt_i δ^F_i.
 * @param x x_i: [B, ...D]
 * @param f f(x_i, t_i): [B, ...D]
 * @param g g(t_i), the *left* end point
 * @param dt Δt_i > 0
 * @param noise δ^F_i: [B, ...D]
 */
export function forwardStep(x: tf.Tensor, f: tf.Tensor, g: number, dt: number, noise: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.add(x, tf.mul(f, dt)), tf.mul(noise, g * Math.sqrt(dt))));
}

/**
 * The drift of the marginal-equivalent family (paper Eq. 17), written once:
 *   f − ((1 + λ²)/2) g² s,   λ ≥ 0.
 * λ = 1 is the backward SDE's drift f − g² s, λ = 0 the probability-flow velocity f − ½ g² s.
 * @param f f(x, t), @param s s(x, t): [B, ...D] @param g g(t) @returns [B, ...D]
 */
export function lambdaDrift(f: tf.Tensor, s: tf.Tensor, g: number, lambda: number): tf.Tensor {
  return tf.tidy(() => tf.sub(f, tf.mul(s, 0.5 * (1 + lambda * lambda) * g * g)));
}

/** Drift of the backward SDE at x_{i+1}: f − g² s ({@link lambdaDrift} at λ = 1). */
export function backwardDrift(f: tf.Tensor, s: tf.Tensor, g: number): tf.Tensor {
  return lambdaDrift(f, s, g, 1);
}

/**
 * One backward step of the λ-family (Eq. 17) from x_{i+1} to x_i, f, s and g at the right end point:
 *   x_i = x_{i+1} − [f_{i+1} − ((1 + λ²)/2) g_{i+1}² s_{i+1}] Δt_i + λ g_{i+1} √Δt_i δ_i.
 * @param z x_{i+1}: [B, ...D] @param noise δ_i: [B, ...D], or null for the noise-free step
 */
export function lambdaStep(z: tf.Tensor, f: tf.Tensor, s: tf.Tensor, g: number, dt: number, lambda: number, noise: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const mean = tf.sub(z, tf.mul(lambdaDrift(f, s, g, lambda), dt));
    return noise === null || lambda === 0 ? mean : tf.add(mean, tf.mul(noise, lambda * g * Math.sqrt(dt)));
  });
}

/**
 * Backward step (Eq. 12): x_i = x_{i+1} − [f_{i+1} − g_{i+1}² s_{i+1}] Δt_i + g_{i+1} √Δt_i δ^B_i
 * ({@link lambdaStep} at λ = 1).
 * @param z x_{i+1}: [B, ...D]
 * @param f f(x_{i+1}, t_{i+1}), @param s s(x_{i+1}, t_{i+1}): [B, ...D]
 * @param g g(t_{i+1}), the *right* end point
 * @param noise δ^B_i: [B, ...D], or null for the noise-free (mean) step
 */
export function backwardStep(z: tf.Tensor, f: tf.Tensor, s: tf.Tensor, g: number, dt: number, noise: tf.Tensor | null): tf.Tensor {
  return lambdaStep(z, f, s, g, dt, 1, noise);
}

/**
 * The backward noise that makes the backward step reproduce a forward path (Eq. 15):
 * δ^B_i = [x_i − x_{i+1} + (f_{i+1} − g_{i+1}² s_{i+1}) Δt_i] / (g_{i+1} √Δt_i).
 * @param x x_i, @param z x_{i+1}, @param f f(x_{i+1}, t_{i+1}), @param s s(x_{i+1}, t_{i+1}): [B, ...D]
 * @param g g(t_{i+1}) > 0
 */
export function backwardNoise(x: tf.Tensor, z: tf.Tensor, f: tf.Tensor, s: tf.Tensor, g: number, dt: number): tf.Tensor {
  if (!(g > 0)) throw new RangeError(`backwardNoise: g(t_{i+1}) must be > 0 (the backward density needs noise), got ${g}`);
  return tf.tidy(() => tf.mul(tf.add(tf.sub(x, z), tf.mul(backwardDrift(f, s, g), dt)), 1 / (g * Math.sqrt(dt))));
}

/** ½‖v‖² per row: [B, ...D] → [B]. */
export function halfSquaredNorm(v: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.mul(tf.sum(tf.reshape(tf.square(v), [v.shape[0] as number, -1]), 1), 0.5) as tf.Tensor1D);
}
