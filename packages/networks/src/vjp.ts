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

/** The value of a field now and its pull-back later (see {@link linearize}). */
export interface FieldLinearization {
  /** v(x, t): [B, ...D]. The caller disposes it. */
  readonly value: tf.Tensor;
  /** dyᵀ∂v/∂x and dyᵀ∂v/∂θ (in `parameters` order). Once only. */
  pullback(dy: tf.Tensor): { readonly dx: tf.Tensor; readonly dparams: readonly tf.Tensor[] };
  /** Frees what the pull-back would have needed (no-op after `pullback`). */
  dispose(): void;
  /** Bytes of tensor data held for the pull-back until it runs or `dispose` (0 for the fallback, which keeps nothing). */
  readonly cacheBytes: number;
}

/** Hints for {@link linearize}; a field without its own `linearize` ignores them. */
export interface FieldLinearizeOptions {
  /** Keep less for the pull-back and recompute the cheap rest then (e.g. gates from pre-activations). */
  readonly compact?: boolean;
}

interface WithLinearize {
  linearize(x: tf.Tensor, t: number, options?: FieldLinearizeOptions): FieldLinearization;
}

/** Whether a field runs its forward pass once for `linearize` (else the pull-back repeats it). */
export function hasLinearize(field: VectorField): field is VectorField & WithLinearize {
  return typeof (field as Partial<WithLinearize>).linearize === 'function';
}

/**
 * v(x, t) now, and dyᵀ∂v at the same point later, for a caller that needs the value to choose the
 * cotangent (the adjoint's score: δ^B needs s(x_j), and the cotangent of s(x_j) needs δ^B). A field
 * with its own `linearize` (the Fourier MLP) runs its forward pass once for both; any other field
 * falls back to `apply` now and {@link vjp} later (a second forward pass). `x` must stay alive until
 * the pull-back.
 */
export function linearize(field: VectorField, x: tf.Tensor, t: number, options?: FieldLinearizeOptions): FieldLinearization {
  if (hasLinearize(field)) return field.linearize(x, t, options);
  let used = false;
  return {
    value: field.apply(x, t),
    pullback: (dy) => {
      if (used) throw new Error(`${field.name}: this linearization has been used`);
      used = true;
      const r = vjp(field, x, t, dy);
      r.value.dispose();
      return { dx: r.dx, dparams: r.dparams };
    },
    dispose: () => {
      used = true;
    },
    cacheBytes: 0,
  };
}
