import type * as tf from '@tensorflow/tfjs-core';

/** A named trainable tensor. `name` is stable across runs (checkpoints key on it). */
export interface Parameter {
  readonly name: string;
  readonly variable: tf.Variable;
}

/**
 * The drift/score interface: a time-conditioned vector field with trainable parameters.
 * Everything downstream (losses, adjoint, likelihood, experiments) sees networks only through it.
 */
export interface VectorField {
  /** What this network is, e.g. 'drift' or 'score'. */
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

/** The tfjs variables of some fields, in order (what optimizers and `tf.variableGrads` take). */
export function variablesOf(...fields: readonly VectorField[]): tf.Variable[] {
  return fields.flatMap((f) => f.parameters.map((p) => p.variable));
}
