import * as tf from '@tensorflow/tfjs-core';
import { applyField, perRow, replayableNormal, replayableUniforms, checkVpSchedule, vpMarginal, type VpSchedule } from '@diffflow/sde-core';
import type { VectorField } from '@diffflow/networks';
import { checkDdpmTime, ddpmAlphaBars, type DdpmTime } from './ddpm_schedule.js';

/**
 * The NoiseKey purposes of the DDPM baseline's draws (keys are (seed, purpose, iteration, step)).
 *  - time: the per-row time u ~ U[0, 1) of the loss (step 0);
 *  - noise: the ε of the loss (step 0);
 *  - prior: x_K ~ N(0, I) of the sampler (step 0);
 *  - ancestral: the z of the sampler's reverse step i (step i, the respaced index).
 */
export const ddpmNoisePurposes = Object.freeze({
  time: 'ddpm/time',
  noise: 'ddpm/noise',
  prior: 'ddpm/prior',
  ancestral: 'ddpm/ancestral',
} as const);

/** Options of {@link ddpmLoss}. */
export interface DdpmLossOptions {
  /** Root seed of the draws. */
  readonly seed: number;
  /** Training iteration: each iteration gets its own t and ε, replayed for the same iteration. */
  readonly iteration: number;
  /** ε of t ~ U(ε, tMax) in continuous time, 0 < tMin < 1 (score_sde: 1e-5, the default). */
  readonly tMin?: number;
  /** The largest continuous time, tMin < tMax ≤ 1 (default 1: the whole VP SDE). */
  readonly tMax?: number;
  /**
   * 'continuous' (default): t ~ U(tMin, tMax), x_t from the VP SDE's marginal m(t), σ(t).
   * 'discrete': k ~ U{1, …, K}, t = k / K, x_t from the discrete ᾱ_k (Ho et al.; tMin unused).
   */
  readonly time?: DdpmTime;
  /**
   * Rows [start, end) of a larger batch (a data-parallel shard): `x0` holds those rows, and they get
   * exactly the draws rows start … end − 1 of the whole batch get on one thread (t and ε of row r
   * are the r-th of the batch's keyed streams, which do not depend on the batch size), so the
   * shards' losses weighted by rows/B sum to the whole batch's. Default: the whole batch, [0, B).
   */
  readonly rows?: readonly [number, number];
}

/** The per-row draws of one loss evaluation: x_t = meanCoefficient · x_0 + std · ε. */
export interface DdpmTrainingDraws {
  /** The network's time input t per row. */
  readonly times: Float64Array;
  /** √ᾱ = m(t) per row. */
  readonly meanCoefficients: Float64Array;
  /** σ = √(1 − ᾱ) per row. */
  readonly stds: Float64Array;
}

function checkLossOptions(options: DdpmLossOptions): { tMin: number; tMax: number; time: DdpmTime } {
  const { seed, iteration, tMin = 1e-5, tMax = 1, time = 'continuous' } = options;
  if (!Number.isFinite(seed)) throw new RangeError(`ddpmLoss: seed must be a finite number, got ${seed}`);
  if (!Number.isInteger(iteration) || iteration < 0) throw new RangeError(`ddpmLoss: iteration must be an integer ≥ 0, got ${iteration}`);
  if (!Number.isFinite(tMin) || tMin <= 0 || tMin >= 1) throw new RangeError(`ddpmLoss: tMin must be a number in (0, 1), got ${tMin}`);
  if (!Number.isFinite(tMax) || tMax <= tMin || tMax > 1) throw new RangeError(`ddpmLoss: tMax must be a number in (tMin, 1] = (${tMin}, 1], got ${tMax}`);
  checkDdpmTime(time, 'ddpmLoss: time');
  return { tMin, tMax, time };
}

/** The rows [start, end) of a batch of `batch` rows the options select (the whole batch by default). */
function rowsOf(options: DdpmLossOptions, batch: number): readonly [number, number] {
  const rows = options.rows ?? [0, batch];
  const [start, end] = rows;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end - start !== batch) {
    throw new RangeError(`ddpmLoss: rows must be integers [start, end) with start ≥ 0 and end − start = ${batch} (the rows of x0), got [${rows.join(', ')}]`);
  }
  return rows;
}

/**
 * The times and noise coefficients {@link ddpmLoss} uses for a batch of `batch` rows: replayable
 * from (seed, 'ddpm/time', iteration, 0). With `options.rows` = [start, end) (end − start = `batch`):
 * those rows of the whole batch's draws.
 */
export function ddpmTrainingDraws(schedule: VpSchedule, batch: number, options: DdpmLossOptions): DdpmTrainingDraws {
  checkVpSchedule(schedule);
  const { tMin, tMax, time } = checkLossOptions(options);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`ddpmLoss: batch size must be an integer ≥ 1, got ${batch}`);
  const [start, end] = rowsOf(options, batch);
  const u = replayableUniforms(end, { seed: options.seed, purpose: ddpmNoisePurposes.time, iteration: options.iteration, step: 0 }).subarray(start);
  const times = new Float64Array(batch);
  const meanCoefficients = new Float64Array(batch);
  const stds = new Float64Array(batch);
  const k = schedule.steps;
  const alphaBars = time === 'discrete' ? ddpmAlphaBars(schedule, 'discrete') : null;
  for (let b = 0; b < batch; b++) {
    const ub = u[b] as number;
    if (alphaBars === null) {
      const t = tMin + (tMax - tMin) * ub;
      const m = vpMarginal(schedule, t);
      times[b] = t;
      meanCoefficients[b] = m.meanCoefficient;
      stds[b] = m.std;
    } else {
      const step = Math.min(k, 1 + Math.floor(ub * k));
      const alphaBar = alphaBars[step] as number;
      times[b] = step / k;
      meanCoefficients[b] = Math.sqrt(alphaBar);
      stds[b] = Math.sqrt(1 - alphaBar);
    }
  }
  return { times, meanCoefficients, stds };
}

/**
 * The DDPM ε-prediction loss L_simple (Ho et al. 2020, Eq. 14):
 *   loss = E_b ‖ε_θ(x_t, t) − ε‖²,  x_t = √ᾱ(t) x_0 + σ(t) ε,  ε ~ N(0, I),
 * with one t per row (see {@link DdpmLossOptions.time}). The squared norm is summed over the sample
 * dimensions and averaged over the batch (divide by D for Ho's per-dimension mean). Differentiable
 * with respect to the network's parameters (use inside `tf.variableGrads`). With `options.rows` the
 * loss of a shard: those rows' draws, averaged over the shard.
 *
 * @param epsNet ε_θ(x, t), called once with x_t: [B, ...D] and t: [B]
 * @param x0 data: [B, ...D] (with `rows` [start, end): those rows, B = end − start; not disposed)
 * @returns the scalar loss
 */
export function ddpmLoss(epsNet: VectorField, schedule: VpSchedule, x0: tf.Tensor, options: DdpmLossOptions): tf.Scalar {
  if (x0.rank < 2) throw new RangeError(`ddpmLoss: x0 must be [B, ...D], got [${x0.shape.join(', ')}]`);
  const batch = x0.shape[0] as number;
  const draws = ddpmTrainingDraws(schedule, batch, options);
  const rows = rowsOf(options, batch);
  return tf.tidy(() => {
    const key = { seed: options.seed, purpose: ddpmNoisePurposes.noise, iteration: options.iteration, step: 0 };
    const eps = replayableNormal([rows[1], ...x0.shape.slice(1)], key, rows);
    const a = perRow(tf.tensor1d(Float32Array.from(draws.meanCoefficients)), x0);
    const s = perRow(tf.tensor1d(Float32Array.from(draws.stds)), x0);
    const xt = tf.add(tf.mul(x0, a), tf.mul(eps, s));
    const predicted = applyField(epsNet, 'ε', xt, tf.tensor1d(Float32Array.from(draws.times)));
    const perSample = tf.sum(tf.reshape(tf.square(tf.sub(predicted, eps)), [batch, -1]), 1);
    return tf.mean(perSample) as tf.Scalar;
  });
}
