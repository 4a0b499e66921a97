import * as tf from '@tensorflow/tfjs-core';
import { timeFactor, type Sde, type TimeFunction } from '@diffflow/sde-core';
import type { Parameter, VectorField } from './vector_field.js';
import { vectorField } from './field.js';
import { hasLinearize, hasVjp, linearize, vjp, type FieldLinearization, type VjpResult } from './vjp.js';

/**
 * Combinators of vector fields. Each returns a new field whose parameters are its parts' (the same
 * `Parameter` objects and variables), whose `dispose()` disposes the parts, and whose pull-backs are
 * derived from the parts' — a part's own `vjp`/`linearize` (e.g. the Fourier MLP's) is used for that
 * part only and combined by the chain rule; with no fast part, autodiff through the combined
 * `apply`. Never an inner pull-back for an outer function. Times may be shared or per row ([B]).
 */

const asTimeFunction = (k: number | TimeFunction): TimeFunction => (typeof k === 'number' ? () => k : k);

/**
 * k(t)·v(x, t).
 * @example scaleField(net, 2) // 2·net
 */
export function scaleField(field: VectorField, k: number | TimeFunction, name = `scale(${field.name})`): VectorField {
  const kt = asTimeFunction(k);
  return unary(field, name, {
    apply: (x, t) => tf.tidy(() => tf.mul(field.apply(x, t), timeFactor(kt, t, x))),
    at: (t) => t,
    cotangent: (dy, t) => tf.mul(dy, kt(t)),
    value: (v, t) => tf.mul(v, kt(t)),
  });
}

/** v(x, t) + c(t) (the same offset in every component). */
export function shiftField(field: VectorField, c: number | TimeFunction, name = `shift(${field.name})`): VectorField {
  const ct = asTimeFunction(c);
  return unary(field, name, {
    apply: (x, t) => tf.tidy(() => tf.add(field.apply(x, t), timeFactor(ct, t, x))),
    at: (t) => t,
    cotangent: (dy) => tf.clone(dy),
    value: (v, t) => tf.add(v, ct(t)),
  });
}

/** v(x, τ(t)): the field on another clock (e.g. a network trained on [0, 1] used on [0, T]: τ(t) = t/T). */
export function mapTime(field: VectorField, tau: TimeFunction, name = `mapTime(${field.name})`): VectorField {
  return unary(field, name, {
    apply: (x, t) =>
      tf.tidy(() => field.apply(x, typeof t === 'number' ? tau(t) : (tf.tensor1d(Float32Array.from(t.dataSync(), tau)) as tf.Tensor1D))),
    at: tau,
    cotangent: (dy) => tf.clone(dy),
    value: (v) => tf.clone(v),
  });
}

/** σ(t) of an SDE's closed-form marginal; throws for an SDE without one or at σ(t) = 0. */
function marginalStd(sde: Sde, where: string): TimeFunction {
  const marginal = sde.marginal;
  if (marginal === undefined) throw new RangeError(`${where}: ${sde.name} has no closed-form marginal (σ(t)); ε and score differ by σ(t)`);
  return (t) => {
    const std = marginal(t).std;
    if (!(std > 0)) throw new RangeError(`${where}: t must be > 0 (σ(${t}) = ${std} leaves the score undefined)`);
    return std;
  };
}

/**
 * The score of an ε-prediction network on an SDE with a closed-form marginal:
 * s(x, t) = −ε(x, t)/σ(t) (t > 0). Shares `eps`'s parameters; `dispose()` disposes `eps`.
 * @example diffusionModel(vpSde(), scoreFromEpsilon(epsNet, vpSde()))
 */
export function scoreFromEpsilon(eps: VectorField, sde: Sde, name = `score(${eps.name})`): VectorField {
  const std = marginalStd(sde, name);
  return scaleField(eps, (t) => -1 / std(t), name);
}

/** The ε-prediction of a score field: ε(x, t) = −σ(t)·s(x, t), the inverse of {@link scoreFromEpsilon}. */
export function epsilonFromScore(score: VectorField, sde: Sde, name = `epsilon(${score.name})`): VectorField {
  const std = marginalStd(sde, name);
  return scaleField(score, (t) => -std(t), name);
}

/** Σ_k v_k(x, t). Parameters: the union of the parts' (a shared variable counted once). */
export function sumFields(fields: readonly VectorField[], name = fields.map((f) => f.name).join('+')): VectorField {
  if (fields.length < 1) throw new RangeError('sumFields: needs at least one field');
  const parameters: Parameter[] = [];
  const index = fields.map((f) =>
    f.parameters.map((p) => {
      const k = parameters.findIndex((q) => q.variable === p.variable);
      if (k >= 0) return k;
      parameters.push(p);
      return parameters.length - 1;
    }),
  );
  const apply = (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor => tf.tidy(() => tf.addN(fields.map((f) => f.apply(x, t))));
  /** The parts' parameter cotangents summed onto the union's order. */
  const gather = (parts: readonly (readonly tf.Tensor[])[]): tf.Tensor[] =>
    tf.tidy(() => {
      const out: (tf.Tensor | null)[] = parameters.map(() => null);
      parts.forEach((dp, f) =>
        dp.forEach((g, j) => {
          const k = (index[f] as number[])[j] as number;
          const seen = out[k] ?? null;
          out[k] = seen === null ? tf.clone(g) : tf.add(seen, g);
        }),
      );
      return out.map((g, k) => g ?? tf.zerosLike((parameters[k] as Parameter).variable));
    });
  const dispose = (): void => fields.forEach((f) => f.dispose());
  if (!fields.some((f) => hasVjp(f) || hasLinearize(f))) return vectorField({ name, apply, parameters, dispose });
  const combinedVjp = (x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult => {
    const rs = fields.map((f) => vjp(f, x, t, dy));
    const out = tf.tidy(() => ({ value: tf.addN(rs.map((r) => r.value)), dx: tf.addN(rs.map((r) => r.dx)), dparams: gather(rs.map((r) => r.dparams)) }));
    tf.dispose(rs.flatMap((r) => [r.value, r.dx, ...r.dparams]));
    return out;
  };
  const combinedLinearize = (x: tf.Tensor, t: number, options?: { readonly compact?: boolean }): FieldLinearization => {
    const ls = fields.map((f) => linearize(f, x, t, options));
    const value = tf.addN(ls.map((l) => l.value));
    tf.dispose(ls.map((l) => l.value));
    return {
      value,
      pullback: (dy) => {
        const ps = ls.map((l) => l.pullback(dy));
        const out = tf.tidy(() => ({ dx: tf.addN(ps.map((p) => p.dx)), dparams: gather(ps.map((p) => p.dparams)) }));
        tf.dispose(ps.flatMap((p) => [p.dx, ...p.dparams]));
        return out;
      },
      dispose: () => ls.forEach((l) => l.dispose()),
      get cacheBytes() {
        return ls.reduce((n, l) => n + l.cacheBytes, 0);
      },
    };
  };
  return vectorField({ name, apply, parameters, dispose, vjp: combinedVjp, linearize: combinedLinearize });
}

/** How a one-part combinator maps the part: v_out = value(v_in(x, at(t)), t), cotangent of v_in = cotangent(dy, t). */
interface Unary {
  readonly apply: (x: tf.Tensor, t: number | tf.Tensor1D) => tf.Tensor;
  readonly at: TimeFunction;
  readonly cotangent: (dy: tf.Tensor, t: number) => tf.Tensor;
  readonly value: (v: tf.Tensor, t: number) => tf.Tensor;
}

function unary(field: VectorField, name: string, u: Unary): VectorField {
  const base = { name, apply: u.apply, parameters: field.parameters, dispose: () => field.dispose() };
  if (!hasVjp(field) && !hasLinearize(field)) return vectorField(base);
  const ownVjp = (x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult => {
    const inner = tf.tidy(() => u.cotangent(dy, t));
    const r = vjp(field, x, u.at(t), inner);
    inner.dispose();
    const value = tf.tidy(() => u.value(r.value, t));
    r.value.dispose();
    return { value, dx: r.dx, dparams: r.dparams };
  };
  const ownLinearize = (x: tf.Tensor, t: number, options?: { readonly compact?: boolean }): FieldLinearization => {
    const l = linearize(field, x, u.at(t), options);
    const value = tf.tidy(() => u.value(l.value, t));
    l.value.dispose();
    return {
      value,
      pullback: (dy) => {
        const inner = tf.tidy(() => u.cotangent(dy, t));
        try {
          return l.pullback(inner);
        } finally {
          inner.dispose();
        }
      },
      dispose: () => l.dispose(),
      get cacheBytes() {
        return l.cacheBytes;
      },
    };
  };
  return vectorField({ ...base, vjp: ownVjp, linearize: ownLinearize });
}
