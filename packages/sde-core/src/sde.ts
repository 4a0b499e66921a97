import * as tf from '@tensorflow/tfjs-core';
import type { Diffusion } from './diffusion.js';
import { checkGrid, type TimeGrid } from './grid.js';
import { standardNormalPrior, type Prior } from './prior.js';
import type { VectorField } from './vector_field.js';

/**
 * The closed-form marginal of an SDE with a fixed linear drift: x_t = m(t)·x_0 + σ(t)·ε, ε ~ N(0, I).
 */
export interface LinearMarginal {
  /** m(t): the mean scale. */
  readonly meanScale: number;
  /** σ(t) ≥ 0: the standard deviation of x_t given x_0. */
  readonly std: number;
}

/**
 * A forward process dx = f(x, t) dt + g(t) dw on [t0, T] that ends (approximately) at a prior
 * p_T: the one object losses, the adjoint, samplers and likelihoods consume. DiffFlow's drift is
 * learned; VP, sub-VP and VE have a fixed linear drift and a closed-form marginal.
 */
export interface Sde {
  /** What this SDE is, e.g. 'VP(0.1, 20)'. */
  readonly name: string;
  /** f(x, t): learned (DiffFlow) or fixed (parameter-free, e.g. −½β(t)x). */
  readonly drift: VectorField;
  /** g(t) ≥ 0. */
  readonly diffusion: Diffusion;
  /** p_T: sampled by the backward process, scored by the terminal term of every bound. */
  readonly prior: Prior;
  /** The interval [t0, T] every grid must lie inside (t0 may be +0 and T may be +∞ for DiffFlow). */
  readonly interval: readonly [number, number];
  /** x_t | x_0 in closed form, for an SDE whose drift is fixed and linear; undefined otherwise. */
  readonly marginal?: (t: number) => LinearMarginal;
}

/** What {@link sde} takes: an {@link Sde} with the prior and interval optional. */
export interface SdeSpec {
  readonly name?: string;
  readonly drift: VectorField;
  readonly diffusion: Diffusion;
  /** Default N(0, I). */
  readonly prior?: Prior;
  /** Default [0, +∞). */
  readonly interval?: readonly [number, number];
  /** The closed-form marginal of x_t given x_0, for an SDE with a fixed linear drift. */
  readonly marginal?: (t: number) => LinearMarginal;
}

/**
 * A checked, frozen {@link Sde}: a user's own SDE is this call with its drift, g, prior and interval.
 * @example
 * const ou = sde({ name: 'OU', drift: linearDrift(() => -1), diffusion: constantDiffusion(Math.SQRT2), interval: [0, 5] });
 */
export function sde(spec: SdeSpec): Sde {
  const interval = spec.interval ?? [0, Number.POSITIVE_INFINITY];
  const [t0, T] = interval;
  if (!Number.isFinite(t0) || !(T > t0)) throw new RangeError(`sde: interval must be [t0, T] with t0 finite and T > t0, got [${t0}, ${T}]`);
  if (typeof spec.drift?.apply !== 'function') throw new RangeError('sde: drift must be a VectorField (an object with apply(x, t))');
  if (typeof spec.diffusion !== 'function') throw new RangeError('sde: diffusion must be a function g(t)');
  return Object.freeze({
    name: spec.name ?? `SDE(${spec.drift.name})`,
    drift: spec.drift,
    diffusion: spec.diffusion,
    prior: spec.prior ?? standardNormalPrior,
    interval: Object.freeze([t0, T]) as readonly [number, number],
    ...(spec.marginal === undefined ? {} : { marginal: spec.marginal }),
  });
}

/**
 * Throws a RangeError unless `grid` has ≥ 2 finite, strictly increasing points inside the SDE's
 * time interval [t0, T] (so [−1, 0, 1] is refused for an SDE on [0, 1] or [0, ∞)).
 */
export function checkSdeGrid(sde: Pick<Sde, 'interval' | 'name'>, grid: TimeGrid, where = 'grid'): void {
  checkGrid(grid, where);
  const [t0, T] = sde.interval;
  const first = grid[0] as number;
  const last = grid[grid.length - 1] as number;
  if (first < t0 || last > T) {
    throw new RangeError(`${where} must lie inside the time interval [${t0}, ${T}] of ${sde.name}, got [${first}, …, ${last}]`);
  }
}

/** A scalar function of time, evaluated in float64. */
export type TimeFunction = (t: number) => number;

/** The shape [B, 1, …, 1] of one value per row of x: [B, ...D], broadcasting against x. */
export function rowShape(x: tf.Tensor): number[] {
  return [x.shape[0] as number, ...x.shape.slice(1).map(() => 1)];
}

/** Throws a RangeError unless `t` is one shared time or one time per row of x ([B]). */
export function checkRowTimes(x: tf.Tensor, t: number | tf.Tensor1D, where: string): void {
  if (typeof t !== 'number' && (t.rank !== 1 || t.shape[0] !== x.shape[0])) {
    throw new RangeError(`${where}: t must be a number or [B] = [${x.shape[0]}], got [${t.shape.join(', ')}]`);
  }
}

/**
 * One value per row of x: [B, ...D] as a tensor [B, 1, …, 1] that broadcasts against x: the
 * values themselves (float32) or a [B] tensor reshaped (not disposed).
 */
export function perRow(values: Float32Array | tf.Tensor1D, x: tf.Tensor): tf.Tensor {
  return values instanceof Float32Array ? tf.tensor(values, rowShape(x), 'float32') : tf.reshape(values, rowShape(x));
}

/**
 * k(t) for a shared time, or one value per row as a tensor [B, 1, …, 1] that broadcasts against
 * x: [B, ...D] (the times are read back and k evaluated in float64).
 */
export function timeFactor(k: TimeFunction, t: number | tf.Tensor1D, x: tf.Tensor): number | tf.Tensor {
  if (typeof t === 'number') return k(t);
  checkRowTimes(x, t, 'timeFactor');
  return perRow(Float32Array.from(t.dataSync(), k), x);
}

/**
 * The fixed linear drift f(x, t) = a(t)·x as a parameter-free {@link VectorField} (t shared or per
 * row). The drift of VP (a = −½β), sub-VP (the same) and VE (a = 0).
 */
export function linearDrift(a: TimeFunction, name = 'linearDrift'): VectorField {
  return Object.freeze({
    name,
    apply: (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor => tf.tidy(() => tf.mul(x, timeFactor(a, t, x))),
    parameters: [],
    parameterCount: 0,
    dispose: () => undefined,
  });
}
