import * as tf from '@tensorflow/tfjs-core';
import type { VectorField } from './vector_field.js';

/** A vector–Jacobian product of a field at (x, t): the value, and dyᵀ∂v/∂x, dyᵀ∂v/∂θ. */
export interface VjpResult {
  /** v(x, t): [B, ...D] */
  readonly value: tf.Tensor;
  /** dyᵀ ∂v/∂x: [B, ...D] */
  readonly dx: tf.Tensor;
  /** dyᵀ ∂v/∂θ_k for every parameter, in `field.parameters` order. */
  readonly dparams: readonly tf.Tensor[];
}

/**
 * A field may provide its own tape-free pull-back (hand-written backward pass); {@link vjp} uses it
 * when present. It must return exactly what the autodiff path returns.
 */
export interface WithVjp {
  vjp(x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult;
}

export function hasVjp(field: VectorField): field is VectorField & WithVjp {
  return typeof (field as Partial<WithVjp>).vjp === 'function';
}

/**
 * Vector–Jacobian product of a field: the building block of the adjoint (one step's networks at a
 * time) and of Hutchinson traces. Uses the field's own pull-back if it has one, else tfjs autodiff.
 * @param x [B, ...D]  @param t time shared by the batch  @param dy cotangent [B, ...D]
 */
export function vjp(field: VectorField, x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult {
  if (hasVjp(field)) return field.vjp(x, t, dy);
  const params = field.parameters.map((p) => p.variable);
  const { value, grads } = tf.engine().gradients(() => field.apply(x, t), [x, ...params], dy, true);
  const [dx, ...dparams] = grads.map((g, k) => g ?? tf.zerosLike(k === 0 ? x : (params[k - 1] as tf.Tensor)));
  return { value, dx: dx as tf.Tensor, dparams };
}
