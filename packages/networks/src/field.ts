import type * as tf from '@tensorflow/tfjs-core';
import type { Parameter, VectorField } from './vector_field.js';
import { registerPullbacks, type LinearizeFn, type WithVjp } from './vjp.js';

/** What {@link vectorField} takes. */
export interface VectorFieldSpec {
  /** Names the field in error messages ('drift', 'score', …). */
  readonly name: string;
  /** v(x: [B, ...D], t: number | [B]) → [B, ...D], differentiable in x and the parameters. */
  readonly apply: (x: tf.Tensor, t: number | tf.Tensor1D) => tf.Tensor;
  /** Trainable parameters read by `apply` (default none). */
  readonly parameters?: readonly Parameter[];
  /** A tape-free pull-back, if you have one; it must equal autodiff through `apply` (default: autodiff). */
  readonly vjp?: WithVjp['vjp'];
  /** Value now, pull-back later from one forward pass, if you have it (default: `apply` now, `vjp` later). */
  readonly linearize?: LinearizeFn;
  /** Frees what the field owns (default: nothing; variables you passed stay yours). */
  readonly dispose?: () => void;
}

/**
 * A {@link VectorField} from a function — the way to bring your own network or closed form. The
 * pull-backs default to tfjs autodiff through `apply` (always correct); pass `vjp`/`linearize`
 * only for a hand-written backward pass of this very function. The result is frozen, and its
 * pull-backs belong to it alone: a spread copy with another `apply` gets autodiff, never these.
 * @example
 * const drift = vectorField({ name: 'ou', apply: (x) => tf.neg(x) }); // f(x, t) = −x
 */
export function vectorField(spec: VectorFieldSpec): VectorField {
  const parameters = spec.parameters ?? [];
  const field: VectorField = Object.freeze({
    name: spec.name,
    apply: spec.apply,
    parameters,
    parameterCount: parameters.reduce((n, p) => n + p.variable.size, 0),
    dispose: spec.dispose ?? ((): void => undefined),
  });
  return registerPullbacks(field, { ...(spec.vjp === undefined ? {} : { vjp: spec.vjp }), ...(spec.linearize === undefined ? {} : { linearize: spec.linearize }) });
}
