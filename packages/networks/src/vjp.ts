import * as tf from '@tensorflow/tfjs-core';
import { tapeSafe } from '@diffflow/sde-core';
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

/** A field's own tape-free pull-back (hand-written backward pass): exactly what autodiff through `apply` gives. */
export interface WithVjp {
  /** The value v(x, t) and the pull-backs dyᵀ∂v/∂x, dyᵀ∂v/∂θ, without a tape. */
  vjp(x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult;
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

/** A field's own linearisation: its forward pass once, the pull-back later. */
export type LinearizeFn = (x: tf.Tensor, t: number, options?: FieldLinearizeOptions) => FieldLinearization;

/**
 * A linearization made through a {@link TimeTable}: as {@link FieldLinearization}, but its pull-back
 * leaves the gradients of the table's collected parameters `undefined` (the table sums them).
 */
export interface TableLinearization {
  /** v(x, t): [B, ...D]. The caller disposes it. */
  readonly value: tf.Tensor;
  /** dyᵀ∂v/∂x and dyᵀ∂v/∂θ in `parameters` order, `undefined` at the table's `collected` indices. Once only. */
  pullback(dy: tf.Tensor): { readonly dx: tf.Tensor; readonly dparams: readonly (tf.Tensor | undefined)[] };
  /** Frees what the pull-back would have needed (no-op after `pullback`). */
  dispose(): void;
  /** Bytes of tensor data held for the pull-back until it runs or `dispose`. */
  readonly cacheBytes: number;
}

/**
 * A field's time conditioning evaluated at a fixed set of times at once, for a caller that evaluates
 * and pulls back the field at those times many times over (the adjoint: every grid time of an
 * iteration). Linearizations made through it read their time's row instead of computing it, and
 * their pull-backs hand the time conditioning's cotangent to the table, which pulls all of them back
 * through the time conditioning in one pass: {@link TimeTable.gradients} gives
 * Σ_pull-backs dyᵀ∂v/∂θ_k for the `collected` parameters θ_k. The table belongs to the weights it
 * was made with: using it after they change throws. Its tensors are held until `gradients` or
 * `dispose`.
 */
export interface TimeTable {
  /** The times, as given (a linearization's t must be one of them). */
  readonly times: readonly number[];
  /** Indices into `field.parameters` of the parameters whose gradients the table sums. */
  readonly collected: readonly number[];
  /** {@link linearize} at (x, t) with t's row of the table. */
  linearize(x: tf.Tensor, t: number, options?: FieldLinearizeOptions): TableLinearization;
  /**
   * One linearization of K blocks of rows at once: x = [x⁽¹⁾; …; x⁽ᴷ⁾] ([K·B, ...D], K equal blocks
   * of B rows), block k at `blockTimes[k]` (each one of the table's times). Its value is the K
   * values of {@link TimeTable.linearize} stacked (bit for bit: the same per-row arithmetic), and its
   * pull-back of dy = [dy⁽¹⁾; …; dy⁽ᴷ⁾] gives the K dx stacked and the parameters' gradients summed
   * over all rows (the weight products run once on K·B rows: the same sums in another order), each
   * block's time-conditioning cotangent handed to the table. For a caller that has all K points
   * before it needs any pull-back (the adjoint's score: fewer, larger kernels).
   */
  linearizeBlocks(x: tf.Tensor, blockTimes: readonly number[], options?: FieldLinearizeOptions): TableLinearization;
  /** Bytes of tensor data a linearization through this table keeps per row of x until its pull-back (full or compact cache). */
  cacheBytesPerRow(options?: FieldLinearizeOptions): number;
  /** Σ over this table's pull-backs of the collected parameters' gradients, in `collected` order; frees the table. Once only. */
  gradients(): tf.Tensor[];
  /** Frees the table (no-op after `gradients`). */
  dispose(): void;
}

/** A field's own time table (see {@link TimeTable}). */
export type TimeTableFn = (times: readonly number[]) => TimeTable;

/** The fast pull-backs a field was built with (see {@link registerPullbacks}). */
export interface Pullbacks {
  /** A tape-free vector–Jacobian product (see {@link WithVjp}). */
  readonly vjp?: WithVjp['vjp'];
  readonly linearize?: LinearizeFn;
  /** Its time conditioning at many times at once (see {@link TimeTable}). */
  readonly timeTable?: TimeTableFn;
}

/**
 * Fast pull-backs, keyed by the identity of the field object they belong to. A copy of the field
 * (`{ ...net, apply: … }`) is a different object and is not in here, so it gets autodiff through
 * its own `apply`, never the inner net's pull-back (which would differentiate the wrong function).
 */
const registry = new WeakMap<object, Pullbacks>();

/**
 * Declares the fast pull-backs of `field` (its constructor's business: `vectorField`, `fourierMlp`
 * and the combinators call it). They must equal autodiff through `field.apply`.
 * @returns `field`
 */
export function registerPullbacks<F extends VectorField>(field: F, pullbacks: Pullbacks): F {
  if (pullbacks.vjp !== undefined || pullbacks.linearize !== undefined || pullbacks.timeTable !== undefined) registry.set(field, pullbacks);
  return field;
}

/** The fast pull-backs registered for exactly this field object (empty when none). */
export function pullbacksOf(field: VectorField): Pullbacks {
  return registry.get(field) ?? {};
}

/** Whether this field object has its own tape-free pull-back (else {@link vjp} uses autodiff). */
export function hasVjp(field: VectorField): boolean {
  return registry.get(field)?.vjp !== undefined;
}

/** Whether this field object runs its forward pass once for `linearize` (else the pull-back repeats it). */
export function hasLinearize(field: VectorField): boolean {
  return registry.get(field)?.linearize !== undefined;
}

/** dyᵀ∂v/∂(x, θ) by tfjs autodiff through `field.apply`. */
export function autodiffVjp(field: VectorField, x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult {
  const params = field.parameters.map((p) => p.variable);
  const { value, grads } = tapeSafe(() => tf.engine().gradients(() => field.apply(x, t), [x, ...params], dy, true));
  const [dx, ...dparams] = grads.map((g, k) => g ?? tf.zerosLike(k === 0 ? x : (params[k - 1] as tf.Tensor)));
  return { value, dx: dx as tf.Tensor, dparams };
}

/**
 * Vector–Jacobian product of a field: the building block of the adjoint (one step's networks at a
 * time) and of Hutchinson traces. Uses the pull-back registered for this field object if there is
 * one, else tfjs autodiff.
 * @param x [B, ...D]  @param t time shared by the batch  @param dy cotangent [B, ...D]
 */
export function vjp(field: VectorField, x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult {
  const own = registry.get(field)?.vjp;
  if (own !== undefined) return own(x, t, dy);
  if (dy.rank !== x.rank || dy.shape.some((d, k) => d !== x.shape[k])) {
    throw new RangeError(`vjp of '${field.name}': dy must have the shape of x [${x.shape.join(', ')}], got [${dy.shape.join(', ')}]`);
  }
  return autodiffVjp(field, x, t, dy);
}

/**
 * v(x, t) now, and dyᵀ∂v at the same point later, for a caller that needs the value to choose the
 * cotangent (the adjoint's score: δ^B needs s(x_j), and the cotangent of s(x_j) needs δ^B). A field
 * with its own `linearize` (the Fourier MLP) runs its forward pass once for both; any other field
 * falls back to `apply` now and {@link vjp} later (a second forward pass). `x` must stay alive until
 * the pull-back.
 */
export function linearize(field: VectorField, x: tf.Tensor, t: number, options?: FieldLinearizeOptions): FieldLinearization {
  const own = registry.get(field)?.linearize;
  if (own !== undefined) return own(x, t, options);
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

/**
 * The field's time conditioning at `times` at once (see {@link TimeTable}), or `undefined` for a
 * field that has no table of its own (every field but the Fourier MLP): then evaluate it with
 * {@link linearize} and {@link vjp} as usual.
 */
export function timeTable(field: VectorField, times: readonly number[]): TimeTable | undefined {
  return registry.get(field)?.timeTable?.(times);
}
