import * as tf from '@tensorflow/tfjs-core';
import { checkFieldOutput, lambdaDrift, rowNormals, rowRademacher, type DiffusionModel } from '@diffflow/sde-core';
import { vjp } from '@diffflow/networks';
import { checkInteger, sizeOf } from './checks.js';

/**
 * How tr(∂v/∂x) is computed.
 * - `exact`: Σ_k e_kᵀ (∂v/∂x) e_k, one vector–Jacobian product per data dim D (for small D).
 * - `hutchinson`: (1/K) Σ_k ε_kᵀ (∂v/∂x) ε_k with K probes ε_k (Rademacher or N(0, I)), drawn once
 *   per solve from the replayable key (seed, 'probe', iteration = data row, step = pass) and held
 *   fixed through the integration. Unbiased; the variance falls as 1/K.
 */
export type TraceEstimator =
  | { readonly kind: 'exact' }
  | {
      readonly kind: 'hutchinson';
      /** K ≥ 1 probes per data row. */
      readonly probes: number;
      readonly seed: number;
      /** Default 'rademacher'. */
      readonly distribution?: 'rademacher' | 'gaussian';
    };

/** Stacked probe vectors of a chunk of B rows: `vectors` is [P·B, ...D], probe-major (block p holds ε_p of every row). */
export interface Probes {
  readonly vectors: tf.Tensor;
  /** P: D for the exact trace, K for Hutchinson. */
  readonly count: number;
  /** 1 for the exact trace (a sum over e_k), 1/K for Hutchinson (a mean). */
  readonly weight: number;
}

/** Throws a RangeError naming the field of a trace estimator that is out of range. */
export function checkTraceEstimator(trace: TraceEstimator, where: string): void {
  if (trace.kind === 'exact') return;
  if (trace.kind !== 'hutchinson') throw new RangeError(`${where}: trace.kind must be 'exact' or 'hutchinson', got ${(trace as { kind: unknown }).kind}`);
  checkInteger(trace.probes, where, 'trace.probes (K)', 1);
  if (!Number.isFinite(trace.seed)) throw new RangeError(`${where}: trace.seed must be a finite number, got ${trace.seed}`);
  const d = trace.distribution ?? 'rademacher';
  if (d !== 'rademacher' && d !== 'gaussian') throw new RangeError(`${where}: trace.distribution must be 'rademacher' or 'gaussian', got ${d}`);
}

/**
 * The probe vectors for data rows [start, end) of per-sample shape `dims`.
 * @param pass evaluation pass (the `step` of the probe key): a repeat over the same data gets new probes
 * @returns vectors [P·(end − start), ...dims]; the caller disposes them
 */
export function drawProbes(trace: TraceEstimator, dims: readonly number[], rows: readonly [number, number], pass = 0): Probes {
  const d = sizeOf(dims);
  const b = rows[1] - rows[0];
  if (trace.kind === 'exact') {
    const vectors = tf.tidy(() => tf.reshape(tf.tile(tf.reshape(tf.eye(d), [d, 1, d]), [1, b, 1]), [d * b, ...dims]));
    return { vectors, count: d, weight: 1 };
  }
  const k = trace.probes;
  const values =
    (trace.distribution ?? 'rademacher') === 'gaussian'
      ? rowNormals(trace.seed, 'probe', rows, k * d, pass)
      : rowRademacher(trace.seed, 'probe', rows, k * d, pass);
  // values are row-major [B, K, D]; the tiled batch is probe-major [K, B, D]
  const vectors = tf.tidy(() => tf.reshape(tf.transpose(tf.tensor3d(values, [b, k, d]), [1, 0, 2]), [k * b, ...dims]));
  return { vectors, count: k, weight: 1 / k };
}

/**
 * The probability-flow velocity and its divergence in one pass:
 *   v = f − ½ g² s,   div v = tr(∂v/∂x) ≈ w Σ_p ε_pᵀ (∂f/∂x − ½ g² ∂s/∂x) ε_p,
 * from one `vjp` per field on the batch tiled P times (the P products run as one network call).
 * @param x [B, ...D]  @param t time shared by the batch  @param probes from {@link drawProbes} for these B rows
 * @returns velocity [B, ...D] and divergence [B]
 */
export function velocityAndDivergence(
  model: DiffusionModel,
  x: tf.Tensor,
  t: number,
  probes: Probes,
): { readonly velocity: tf.Tensor; readonly divergence: tf.Tensor1D } {
  const b = x.shape[0] as number;
  const p = probes.count;
  const g = model.sde.diffusion(t);
  const half = 0.5 * g * g; // v = f − ½g²s: the λ = 0 member of the family
  return tf.tidy(() => {
    const tiled = p === 1 ? x : tf.tile(x, [p, ...x.shape.slice(1).map(() => 1)]);
    const e = probes.vectors;
    const drift = vjp(model.sde.drift, tiled, t, e);
    checkFieldOutput(model.sde.drift, 'drift', tiled, drift.value, { t });
    const score = vjp(model.score, tiled, t, tf.mul(e, -half));
    checkFieldOutput(model.score, 'score', tiled, score.value, { t });
    // εᵀ∂v/∂x for every (probe, row), then ⟨·, ε⟩ summed over the data dims
    const quad = tf.sum(tf.reshape(tf.mul(tf.add(drift.dx, score.dx), e), [p, b, -1]), 2);
    const divergence = tf.mul(tf.sum(quad, 0), probes.weight) as tf.Tensor1D;
    const begin = x.shape.map(() => 0);
    const size = [b, ...x.shape.slice(1).map(() => -1)];
    const velocity = lambdaDrift(tf.slice(drift.value, begin, size), tf.slice(score.value, begin, size), g, 0);
    return { velocity, divergence };
  });
}
