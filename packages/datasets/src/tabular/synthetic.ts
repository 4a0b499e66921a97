/**
 * A synthetic tabular stand-in with a known density: a 6-D Gaussian mixture
 *   p(x) = Σₖ wₖ N(x; μₖ, Lₖ Lₖᵀ),  k = 0…4,
 * so a pipeline's test NLL can be compared with the truth: the exact −(1/n) Σ log p(xᵢ) of the
 * fixed test split, and the population entropy H = −E log p(x) (no closed form for a mixture; a
 * Monte Carlo estimate with its standard error, inside the exact bounds
 * Σ wₖ Hₖ ≤ H ≤ Σ wₖ Hₖ + H(w)).
 *
 * Parameters (all fixed): w = (0.3, 0.25, 0.2, 0.15, 0.1);
 *   μₖ[j] = 1.5 cos(2π k/5 + 0.9 j)  (means spread over ±1.5 in different directions; components overlap);
 *   Lₖ lower-triangular, Lₖ[j][j] = sₖ (1 + 0.1 j), Lₖ[i][j] = ρₖ (−1)^{i+j} / (i − j + 1) for i > j,
 *   with s = (0.8, 0.6, 1.0, 0.5, 0.7) and ρ = (0.2, −0.15, 0.1, 0.25, −0.2).
 * Sampling: component by inverse CDF of one uniform, then μₖ + Lₖ z, z ~ N(0, I), from the keys
 * (seed, 'synthetic-mixture/<split>', 0, 0 | 1); the splits have fixed sizes and distinct purposes.
 */
import { replayableNormals, replayableUniforms } from '@diffflow/sde-core';
import type { Matrix } from './matrix.js';
import type { TabularDataset } from './maf.js';

/** Dimension D of the synthetic Gaussian-mixture dataset. */
export const SYNTHETIC_DIM = 6;
/** Number of mixture components of the synthetic dataset. */
export const SYNTHETIC_COMPONENTS = 5;
/** Fixed split sizes. */
export const syntheticSizes = { train: 20_000, validation: 2_000, test: 5_000 } as const;

const WEIGHTS = [0.3, 0.25, 0.2, 0.15, 0.1] as const;
const SCALES = [0.8, 0.6, 1.0, 0.5, 0.7] as const;
const RHOS = [0.2, -0.15, 0.1, 0.25, -0.2] as const;

interface Component {
  readonly weight: number;
  readonly mean: Float64Array;
  /** Lower-triangular Cholesky factor, row-major d × d. */
  readonly chol: Float64Array;
  /** log wₖ − ½ d log 2π − log|det Lₖ|. */
  readonly logNorm: number;
}

const D = SYNTHETIC_DIM;

const COMPONENTS: readonly Component[] = WEIGHTS.map((weight, k) => {
  const mean = new Float64Array(D);
  for (let j = 0; j < D; j++) mean[j] = 1.5 * Math.cos((2 * Math.PI * k) / SYNTHETIC_COMPONENTS + 0.9 * j);
  const chol = new Float64Array(D * D);
  let logDet = 0;
  for (let i = 0; i < D; i++) {
    chol[i * D + i] = SCALES[k]! * (1 + 0.1 * i);
    logDet += Math.log(chol[i * D + i]!);
    for (let j = 0; j < i; j++) chol[i * D + j] = (RHOS[k]! * (-1) ** (i + j)) / (i - j + 1);
  }
  return { weight, mean, chol, logNorm: Math.log(weight) - 0.5 * D * Math.log(2 * Math.PI) - logDet };
});

/** The mixture's parameters (copies), for documentation and tests. */
export function syntheticMixtureParameters(): { weights: number[]; means: number[][]; cholesky: number[][][] } {
  return {
    weights: [...WEIGHTS],
    means: COMPONENTS.map((c) => Array.from(c.mean)),
    cholesky: COMPONENTS.map((c) => Array.from({ length: D }, (_, i) => Array.from(c.chol.subarray(i * D, (i + 1) * D)))),
  };
}

/**
 * log p(x) of the mixture, by log-sum-exp over components of log wₖ + log N(x; μₖ, LₖLₖᵀ).
 * @param x [n, 6] row-major
 * @returns [n] Float64Array
 */
export function syntheticLogDensity(x: Float32Array | Float64Array): Float64Array {
  if (x.length % D !== 0) throw new RangeError(`syntheticLogDensity: x must be [n, ${D}] row-major; got length ${x.length}`);
  const n = x.length / D;
  const out = new Float64Array(n);
  const r = new Float64Array(D);
  const terms = new Float64Array(SYNTHETIC_COMPONENTS);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < SYNTHETIC_COMPONENTS; k++) {
      const c = COMPONENTS[k]!;
      // forward substitution: L r = x − μ; then log N = logNorm − ½‖r‖²
      let q = 0;
      for (let a = 0; a < D; a++) {
        let s = x[i * D + a]! - c.mean[a]!;
        for (let b = 0; b < a; b++) s -= c.chol[a * D + b]! * r[b]!;
        r[a] = s / c.chol[a * D + a]!;
        q += r[a]! * r[a]!;
      }
      terms[k] = c.logNorm - 0.5 * q;
    }
    let m = -Infinity;
    for (const t of terms) m = Math.max(m, t);
    let s = 0;
    for (const t of terms) s += Math.exp(t - m);
    out[i] = m + Math.log(s);
  }
  return out;
}

/**
 * n draws from the mixture.
 * @param purpose names the draw (different purposes are independent)
 * @returns [n, 6] row-major Float64Array
 */
export function sampleSyntheticMixture(n: number, seed: number, purpose: string): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sampleSyntheticMixture: n must be an integer ≥ 0; got ${n}`);
  const u = replayableUniforms(n, { seed, purpose, iteration: 0, step: 0 });
  const z = replayableNormals(n * D, { seed, purpose, iteration: 0, step: 1 });
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    let k = 0;
    let acc = WEIGHTS[0];
    while (u[i]! >= acc && k < SYNTHETIC_COMPONENTS - 1) acc += WEIGHTS[++k]!;
    const c = COMPONENTS[k]!;
    for (let a = 0; a < D; a++) {
      let s = c.mean[a]!;
      for (let b = 0; b <= a; b++) s += c.chol[a * D + b]! * z[i * D + b]!;
      out[i * D + a] = s;
    }
  }
  return out;
}

/** Mean and standard error of −log p over `samples` fresh draws: a Monte Carlo estimate of H. */
export function estimateSyntheticEntropy(samples: number, seed: number): { readonly estimate: number; readonly standardError: number } {
  if (!Number.isInteger(samples) || samples < 2) throw new RangeError(`estimateSyntheticEntropy: samples must be an integer ≥ 2; got ${samples}`);
  const chunk = 50_000;
  let sum = 0;
  let sumSq = 0;
  for (let start = 0, part = 0; start < samples; start += chunk, part++) {
    const m = Math.min(chunk, samples - start);
    const lp = syntheticLogDensity(sampleSyntheticMixture(m, seed, `synthetic-mixture/entropy/${part}`));
    for (const v of lp) {
      sum -= v;
      sumSq += v * v;
    }
  }
  const mean = sum / samples;
  const variance = (sumSq - samples * mean * mean) / (samples - 1);
  return { estimate: mean, standardError: Math.sqrt(variance / samples) };
}

/** Exact bounds on the mixture entropy: Σ wₖ Hₖ ≤ H ≤ Σ wₖ Hₖ + H(w), Hₖ = ½ log det(2πe Σₖ). */
export function syntheticEntropyBounds(): { readonly lower: number; readonly upper: number } {
  let lower = 0;
  let hw = 0;
  for (const c of COMPONENTS) {
    let logDet = 0;
    for (let a = 0; a < D; a++) logDet += Math.log(c.chol[a * D + a]!);
    lower += c.weight * (0.5 * D * Math.log(2 * Math.PI * Math.E) + logDet);
    hw -= c.weight * Math.log(c.weight);
  }
  return { lower, upper: lower + hw };
}

/**
 * The population entropy H = −E log p(x) in nats, estimated once by `estimateSyntheticEntropy`
 * with 4,000,000 draws and seed 2021 (scripts/synthetic-entropy.ts prints it): the NLL a perfect
 * model approaches on fresh data.
 */
export const syntheticEntropy = { estimate: 9.171272279466251, standardError: 0.0010494504177900835, samples: 4_000_000, seed: 2021 } as const;

function toMatrix(data: Float64Array): Matrix {
  return { data: Float32Array.from(data), rows: data.length / D, cols: D };
}

/** The synthetic dataset plus its true density. */
export interface SyntheticMixture extends TabularDataset {
  /** log p(x) for x [n, 6] → [n]. */
  readonly logDensity: (x: Float32Array | Float64Array) => Float64Array;
  /** The exact NLL of the true density on this test split, −(1/n) Σ log p(xᵢ), in nats. */
  readonly testNll: number;
  /** The population entropy estimate (see `syntheticEntropy`). */
  readonly entropy: { readonly estimate: number; readonly standardError: number };
}

/**
 * The synthetic 6-D mixture dataset: train / validation / test of fixed sizes drawn with `seed`
 * (default 0), the density, the exact test NLL of the truth (on the float32 test points) and the
 * entropy estimate.
 */
export function syntheticMixture(seed = 0): SyntheticMixture {
  const train = toMatrix(sampleSyntheticMixture(syntheticSizes.train, seed, 'synthetic-mixture/train'));
  const validation = toMatrix(sampleSyntheticMixture(syntheticSizes.validation, seed, 'synthetic-mixture/validation'));
  const test = toMatrix(sampleSyntheticMixture(syntheticSizes.test, seed, 'synthetic-mixture/test'));
  const lp = syntheticLogDensity(test.data);
  let s = 0;
  for (const v of lp) s -= v;
  return {
    name: 'synthetic',
    dim: D,
    train,
    validation,
    test,
    logDensity: syntheticLogDensity,
    testNll: s / test.rows,
    entropy: { estimate: syntheticEntropy.estimate, standardError: syntheticEntropy.standardError },
  };
}
