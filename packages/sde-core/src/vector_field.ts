import * as tf from '@tensorflow/tfjs-core';

/** A named trainable tensor. `name` is stable across runs (checkpoints key on it). */
export interface Parameter {
  readonly name: string;
  readonly variable: tf.Variable;
}

/**
 * The drift/score interface: a time-conditioned vector field with trainable parameters (none for
 * a fixed field such as the VP drift −½β(t)x). An SDE's drift, a model's score, a network and a
 * closed form in a test are all `VectorField`s; @diffflow/networks builds them (`vectorField`,
 * `fourierMlp`, `unet`, combinators) and gives them pull-backs (`vjp`, `linearize`).
 */
export interface VectorField {
  /** What this field is, e.g. 'drift' or 'score' (error messages name it). */
  readonly name: string;
  /**
   * Evaluates the field. Differentiable with respect to `x` and every parameter.
   * @param x [B, ...D]
   * @param t a time shared by the batch, or one per row: [B]
   * @returns [B, ...D]
   */
  apply(x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor;
  /** The trainable parameters, in a fixed order. */
  readonly parameters: readonly Parameter[];
  /** Total number of scalar parameters. */
  readonly parameterCount: number;
  /** Frees the variables. */
  dispose(): void;
}

/** The tfjs variables of some fields, in order (what optimizers and `tf.variableGrads` take); a variable shared by two fields appears once. */
export function variablesOf(...fields: readonly VectorField[]): tf.Variable[] {
  const out: tf.Variable[] = [];
  for (const f of fields) for (const p of f.parameters) if (!out.includes(p.variable)) out.push(p.variable);
  return out;
}

/**
 * Throws a RangeError unless a field's output has the shape of its input: every consumer (loss,
 * adjoint, sampler, ODE) checks with this, so a field that maps [B, 2] to [B, 1] is named at once
 * instead of surfacing as a broadcast or a failed gradient somewhere later.
 * @param role what the field is used as, e.g. 'drift' or 'score'
 */
export function checkFieldOutput(field: { readonly name: string }, role: string, x: tf.Tensor, out: tf.Tensor): void {
  if (out.rank !== x.rank || out.shape.some((d, k) => d !== x.shape[k])) {
    throw new RangeError(
      `the ${role} field '${field.name}' maps x of shape [${x.shape.join(', ')}] to [${out.shape.join(', ')}]; a drift or score must return the shape of x`,
    );
  }
}

/**
 * `field.apply(x, t)` checked with {@link checkFieldOutput}.
 * @param x [B, ...D] @returns [B, ...D]
 */
export function applyField(field: VectorField, role: string, x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor {
  const out = field.apply(x, t);
  try {
    checkFieldOutput(field, role, x, out);
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}
