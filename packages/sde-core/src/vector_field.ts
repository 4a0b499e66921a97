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

/** Where a field was evaluated, for the messages of {@link checkFieldOutput}. */
export interface FieldCall {
  /** The time the field was evaluated at: one shared by the batch, or one per row ([B]). */
  readonly t: number | tf.Tensor1D;
  /** The caller's step index (e.g. i of the grid t_i), when it has one. */
  readonly step?: number;
  /** What was checked: the field's value (default) or a pull-back through it. */
  readonly part?: 'value' | 'pull-back';
}

/** What was not finite: the field's value, a pull-back through it, or the x it was given. */
export type NonFinitePart = 'value' | 'pull-back' | 'input';

/**
 * A user's field returned NaN or ±Infinity. Thrown by every consumer that evaluates a field (the
 * losses, the adjoint, the samplers, the likelihoods) through {@link applyField} /
 * {@link checkFieldOutput}, before the value can spread into a NaN loss, gradient or sample.
 */
export class NonFiniteFieldError extends RangeError {
  /** The field's `name`. */
  readonly field: string;
  /** What the field was used as, e.g. 'drift' or 'score'. */
  readonly role: string;
  /** The time of the first non-finite row. */
  readonly t: number;
  /** The caller's step, when it knows one. */
  readonly step: number | undefined;
  /** The field's value, a pull-back through it, or the x it was given (the data or an earlier step went non-finite, not the field). */
  readonly part: NonFinitePart;
  /** The first non-finite entry (NaN, Infinity or -Infinity) and its row. */
  readonly value: number;
  readonly row: number;

  constructor(field: string, role: string, call: { t: number; step?: number; part?: NonFinitePart }, value: number, row: number) {
    const part = call.part ?? 'value';
    const at = `t = ${call.t}${call.step === undefined ? '' : `, step ${call.step}`}`;
    super(
      part === 'input'
        ? `the ${role} field '${field}' was given x with ${value} (row ${row}) at ${at}: the data, or the state an earlier step made, is not finite`
        : `the ${role} field '${field}' ${part === 'value' ? 'returned' : 'has a pull-back of'} ${value} (row ${row}) at ${at}: ` +
            'a field must be finite everywhere — check its weights (a diverged training run, a learning rate too large) and any division, log or sqrt in it',
    );
    this.name = 'NonFiniteFieldError';
    this.field = field;
    this.role = role;
    this.t = call.t;
    this.step = call.step;
    this.part = part;
    this.value = value;
    this.row = row;
  }

  /** A short name of what went non-finite, e.g. "the drift field 'mlp' (NaN, row 0, t = 0.5, step 3)". */
  get what(): string {
    const where = `${this.value}, row ${this.row}, t = ${this.t}${this.step === undefined ? '' : `, step ${this.step}`}`;
    const field = `the ${this.role} field '${this.field}'`;
    return this.part === 'value' ? `${field} (${where})` : this.part === 'pull-back' ? `the pull-back of ${field} (${where})` : `x given to ${field} (${where})`;
  }
}

let finiteChecks = true;

/**
 * Turns the finiteness check of {@link checkFinite} on (the default) or off, for this thread (a
 * `dataParallel` worker has its own setting), and returns the previous setting. Off, a NaN from a
 * field passes on silently into losses, gradients and samples; the check costs one scalar
 * read-back per field evaluation (measured in docs/results/finite-checks.md: about 0.1 % of a
 * training chunk on wasm; on webgl/webgpu a read-back also waits for the GPU). Shape checks stay on.
 */
export function setFiniteChecks(enabled: boolean): boolean {
  const previous = finiteChecks;
  finiteChecks = enabled;
  return previous;
}

/**
 * Throws a {@link NonFiniteFieldError} if any entry of `out` (a field's value or pull-back, [B, ...])
 * is NaN or ±Infinity. One scalar read-back: Σ(out · 0) is 0 exactly when every entry is finite.
 * Given the field's input `x` ([B, ...D]), a non-finite x is named instead (part 'input').
 * Does nothing while {@link setFiniteChecks} has turned the check off.
 */
export function checkFinite(field: { readonly name: string }, role: string, out: tf.Tensor, call: FieldCall, x?: tf.Tensor): void {
  if (!finiteChecks) return;
  const probe = tf.tidy(() => tf.sum(tf.mul(out, 0)));
  const ok = probe.dataSync()[0] === 0;
  probe.dispose();
  if (ok) return;
  const values = out.dataSync();
  const perRow = values.length / Math.max(1, out.shape[0] ?? 1);
  const k = values.findIndex((v) => !Number.isFinite(v));
  const row = Math.floor(k / perRow);
  const t = typeof call.t === 'number' ? call.t : (call.t.dataSync()[row] as number);
  const step = call.step === undefined ? {} : { step: call.step };
  // a field given a non-finite x is not at fault: name the input instead
  if (x !== undefined && x.shape[0] === out.shape[0]) {
    const xs = x.dataSync();
    const xPerRow = xs.length / Math.max(1, x.shape[0] ?? 1);
    const j = xs.findIndex((v) => !Number.isFinite(v));
    if (j >= 0) {
      const xRow = Math.floor(j / xPerRow);
      const xt = typeof call.t === 'number' ? call.t : (call.t.dataSync()[xRow] as number);
      throw new NonFiniteFieldError(field.name, role, { t: xt, ...step, part: 'input' }, xs[j] as number, xRow);
    }
  }
  throw new NonFiniteFieldError(field.name, role, { t, ...step, ...(call.part === undefined ? {} : { part: call.part }) }, values[k] as number, row);
}

/**
 * Throws unless a field's output has the shape of its input (a RangeError) and, given where it was
 * evaluated, is finite everywhere (a {@link NonFiniteFieldError}): every consumer (loss, adjoint,
 * sampler, ODE) checks with this, so a field that maps [B, 2] to [B, 1] or returns NaN is named at
 * once instead of surfacing as a broadcast, a failed gradient or a NaN loss somewhere later.
 * @param role what the field is used as, e.g. 'drift' or 'score'
 * @param call where it was evaluated; without it only the shape is checked
 */
export function checkFieldOutput(field: { readonly name: string }, role: string, x: tf.Tensor, out: tf.Tensor, call?: FieldCall): void {
  if (out.rank !== x.rank || out.shape.some((d, k) => d !== x.shape[k])) {
    throw new RangeError(
      `the ${role} field '${field.name}' maps x of shape [${x.shape.join(', ')}] to [${out.shape.join(', ')}]; a drift or score must return the shape of x`,
    );
  }
  if (call !== undefined) checkFinite(field, role, out, call, x);
}

/**
 * `field.apply(x, t)` checked with {@link checkFieldOutput}: the shape of x, finite everywhere.
 * @param x [B, ...D] @param step the caller's step index, for the error message @returns [B, ...D]
 */
export function applyField(field: VectorField, role: string, x: tf.Tensor, t: number | tf.Tensor1D, step?: number): tf.Tensor {
  const out = field.apply(x, t);
  try {
    checkFieldOutput(field, role, x, out, step === undefined ? { t } : { t, step });
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}
