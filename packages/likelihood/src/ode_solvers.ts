import * as tf from '@tensorflow/tfjs-core';
import { checkGrid, type TimeGrid } from '@diffflow/sde-core';
import { checkInteger, checkPositive } from './checks.js';

/**
 * Explicit Runge–Kutta solvers for dy/dt = F(t, y) on a state made of several tensors
 * (here: the data x [B, ...D] and the log-density accumulator ℓ [B]). Time runs forward, from the
 * first to the last time; one evaluation of F counts as one function evaluation (nfe).
 */

/** A state: a list of tensors; F returns one derivative per tensor, of the same shape. */
export type OdeState = readonly tf.Tensor[];
/** F(t, y): must be tidy-clean (it returns only new tensors, which the solver owns and disposes). */
export type OdeRhs = (t: number, y: OdeState) => tf.Tensor[];

/** What an ODE solve returns: the final state and its step counts. */
export interface OdeSolution {
  /** The state at the last time. The caller owns it. */
  readonly y: tf.Tensor[];
  /** Number of evaluations of F. */
  readonly nfe: number;
  /** Accepted steps (for RK4: the grid's steps). */
  readonly accepted: number;
  /** Rejected steps (always 0 for RK4). */
  readonly rejected: number;
}

/** y + Σ_j c_j k_j for each tensor of the state (c_j = 0 terms are skipped). */
function combine(y: OdeState, ks: readonly (readonly tf.Tensor[])[], coeffs: readonly number[]): tf.Tensor[] {
  return y.map((yi, i) =>
    tf.tidy(() => {
      let acc = yi;
      coeffs.forEach((c, j) => {
        if (c !== 0) acc = tf.add(acc, tf.mul((ks[j] as tf.Tensor[])[i] as tf.Tensor, c));
      });
      return acc === yi ? tf.clone(yi) : acc;
    }),
  );
}

/**
 * Classical fixed-step RK4 along a grid: y_{i+1} = y_i + (h/6)(k₁ + 2k₂ + 2k₃ + k₄), h = t_{i+1} − t_i.
 * nfe = 4N for N steps.
 * @param y0 the state at grid[0] (not disposed)  @param grid t_0 < … < t_N
 */
export function rk4(rhs: OdeRhs, y0: OdeState, grid: TimeGrid): OdeSolution {
  checkGrid(grid, 'rk4 grid');
  let y: tf.Tensor[] = y0.map((t) => tf.clone(t));
  try {
    for (let i = 0; i + 1 < grid.length; i++) {
      const t = grid[i] as number;
      const h = (grid[i + 1] as number) - t;
      const state = y;
      const next = tf.tidy(() => {
        const k1 = rhs(t, state);
        const k2 = rhs(t + h / 2, combine(state, [k1], [h / 2]));
        const k3 = rhs(t + h / 2, combine(state, [k2], [h / 2]));
        const k4 = rhs(t + h, combine(state, [k3], [h]));
        return combine(state, [k1, k2, k3, k4], [h / 6, h / 3, h / 3, h / 6]);
      });
      tf.dispose(y);
      y = next;
    }
  } catch (e) {
    tf.dispose(y);
    throw e;
  }
  const steps = grid.length - 1;
  return { y, nfe: 4 * steps, accepted: steps, rejected: 0 };
}

/** Options of {@link dormandPrince}. */
export interface AdaptiveOptions {
  /** Relative tolerance > 0 (default 1e-5, as score_sde). */
  readonly rtol?: number;
  /** Absolute tolerance > 0 (default 1e-5). */
  readonly atol?: number;
  /** Most steps (accepted + rejected) before giving up with an Error (default 10,000). */
  readonly maxSteps?: number;
}

// Dormand–Prince 5(4) tableau (Dormand & Prince 1980; Hairer, Nørsett & Wanner, Table II.5.2).
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1];
const A: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
/** 5th-order weights (also the 7th stage's row: first same as last). */
const B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];
/** B5 − B4 over the 7 stages: the embedded error estimate. */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];
const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;

/** RMS over every component of every tensor of v_i / (atol + rtol·max(|a_i|, |b_i|)). */
function scaledRms(v: OdeState, a: OdeState, b: OdeState, rtol: number, atol: number): number {
  let count = 0;
  const total = tf.tidy(() => {
    let acc: tf.Tensor = tf.scalar(0);
    v.forEach((vi, i) => {
      const scale = tf.add(tf.mul(tf.maximum(tf.abs(a[i] as tf.Tensor), tf.abs(b[i] as tf.Tensor)), rtol), atol);
      acc = tf.add(acc, tf.sum(tf.square(tf.div(vi, scale))));
      count += vi.size;
    });
    return acc;
  });
  const s = total.dataSync()[0] as number;
  total.dispose();
  return Math.sqrt(s / count);
}

/**
 * Adaptive Dormand–Prince RK45 from t0 to t1 > t0 with the error of the joint state controlled in the
 * RMS norm of err / (atol + rtol·max(|y|, |y_new|)) (one norm for the whole batch, as scipy's
 * solve_ivp does on a flattened state); local extrapolation (5th-order solution), FSAL, step factor
 * 0.9·err^(−1/5) clipped to [0.2, 10], no growth right after a rejection. The first step follows
 * Hairer's starting-step heuristic (one extra evaluation).
 * @param y0 the state at t0 (not disposed)
 * @throws Error when maxSteps is exceeded or the step size underflows (a stiff or non-finite field)
 */
export function dormandPrince(rhs: OdeRhs, y0: OdeState, t0: number, t1: number, options: AdaptiveOptions = {}): OdeSolution {
  const where = 'dormandPrince';
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  const maxSteps = options.maxSteps ?? 10_000;
  checkPositive(rtol, where, 'rtol');
  checkPositive(atol, where, 'atol');
  checkInteger(maxSteps, where, 'maxSteps', 1);
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || !(t1 > t0)) throw new RangeError(`${where}: needs finite t0 < t1, got ${t0} and ${t1}`);

  let nfe = 0;
  const f = (t: number, y: OdeState): tf.Tensor[] => {
    nfe++;
    return rhs(t, y);
  };
  const span = t1 - t0;
  let y: tf.Tensor[] = y0.map((t) => tf.clone(t));
  let k1: tf.Tensor[] = [];
  let t = t0;
  let accepted = 0;
  let rejected = 0;
  try {
    k1 = f(t0, y);
    // Hairer's initial step: h0 from |y|/|f|, then refined by a second-derivative estimate
    const d0 = scaledRms(y, y, y, rtol, atol);
    const d1 = scaledRms(k1, y, y, rtol, atol);
    const h0 = Math.min(d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1, span);
    const d2 = tf.tidy(() => {
      const f1 = f(t0 + h0, combine(y, [k1], [h0]));
      return scaledRms(
        f1.map((fi, i) => tf.div(tf.sub(fi, k1[i] as tf.Tensor), h0)),
        y,
        y,
        rtol,
        atol,
      );
    });
    const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
    let h = Math.min(100 * h0, h1, span);

    let justRejected = false;
    while (t < t1) {
      if (accepted + rejected >= maxSteps) throw new Error(`${where}: reached maxSteps = ${maxSteps} at t = ${t} (of ${t1}); raise maxSteps or loosen rtol/atol`);
      if (t + 1.01 * h >= t1) h = t1 - t; // land exactly on t1, no sliver step
      if (!(h > 10 * Number.EPSILON * Math.max(1, Math.abs(t)))) {
        throw new Error(`${where}: step size underflow (h = ${h}) at t = ${t}; the field may be stiff or not finite`);
      }
      const state = y;
      const first = k1;
      const step = h;
      // one attempted step; every stage and the error estimate are freed here, only y_new and k₇ kept
      const attempt = tf.tidy(() => {
        const ks: tf.Tensor[][] = [first];
        for (let s = 1; s < 6; s++) ks.push(f(t + (C[s] as number) * step, combine(state, ks, (A[s] as number[]).map((a) => a * step))));
        const yNew = combine(state, ks, B5.map((b) => b * step));
        const k7 = f(t + step, yNew);
        const stages = [...ks, k7];
        const err = state.map((yi, i) => {
          let acc: tf.Tensor = tf.zerosLike(yi);
          E.forEach((e, j) => {
            if (e !== 0) acc = tf.add(acc, tf.mul((stages[j] as tf.Tensor[])[i] as tf.Tensor, e * step));
          });
          return acc;
        });
        return { yNew, k7, errNorm: scaledRms(err, state, yNew, rtol, atol) };
      });
      const { errNorm } = attempt;
      if (Number.isFinite(errNorm) && errNorm <= 1) {
        t = t1 - (t + h) < 1e-12 * span ? t1 : t + h;
        tf.dispose([...y, ...k1]);
        y = attempt.yNew;
        k1 = attempt.k7;
        accepted++;
        let factor = errNorm === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, SAFETY * errNorm ** (-1 / 5));
        if (justRejected) factor = Math.min(1, factor);
        h *= factor;
        justRejected = false;
      } else {
        tf.dispose([...attempt.yNew, ...attempt.k7]);
        rejected++;
        h *= Number.isFinite(errNorm) ? Math.max(MIN_FACTOR, SAFETY * errNorm ** (-1 / 5)) : MIN_FACTOR;
        justRejected = true;
      }
    }
  } catch (e) {
    tf.dispose([...y, ...k1]);
    throw e;
  }
  tf.dispose(k1);
  return { y, nfe, accepted, rejected };
}
