/**
 * Test support (not exported from the barrel): an Ornstein–Uhlenbeck DiffusionModel whose score is
 * exact, for data drawn from a Gaussian mixture, so every marginal p_t has a closed form.
 *
 *   dx = −a x dt + g dw,   x_0 ~ Σ_k w_k N(μ_k, Σ_k)
 *   p_t = Σ_k w_k N(e^{−at} μ_k, e^{−2at} Σ_k + c_t I),   c_t = g²(1 − e^{−2at})/(2a)
 *   s(x, t) = ∇ log p_t(x) = −Σ_k r_k(x) P_k(t)(x − m_k(t)),  r = softmax_k(log w_k + log N_k(x)),  P_k = Σ_k(t)⁻¹
 *
 * Closed forms are evaluated in float64 JavaScript (`logDensity`, `moments`); the fields run in tfjs.
 * With g² = 2a the stationary law is N(0, I), the default prior.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constantDiffusion, diffflowSde, diffusionModel, replayableNormals, replayableUniforms, type DiffusionModel } from '@diffflow/sde-core';
import type { VectorField } from '@diffflow/networks';

export type Matrix = number[][];

export interface Component {
  readonly weight: number;
  readonly mean: readonly number[];
  readonly cov: readonly (readonly number[])[];
}

/** A component of p_t in float64: mean, covariance, precision, Cholesky factor, log det. */
export interface MarginalComponent {
  readonly weight: number;
  readonly mean: number[];
  readonly cov: Matrix;
  readonly precision: Matrix;
  readonly chol: Matrix;
  readonly logDet: number;
}

export function cholesky(m: readonly (readonly number[])[]): Matrix {
  const n = m.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (m[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) s -= ((l[i] as number[])[k] as number) * ((l[j] as number[])[k] as number);
      (l[i] as number[])[j] = i === j ? Math.sqrt(s) : s / ((l[j] as number[])[j] as number);
    }
  }
  return l;
}

export function matMul(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => (b[0] as number[]).map((_, j) => row.reduce((s, v, k) => s + v * ((b[k] as number[])[j] as number), 0)));
}

export function transpose(a: Matrix): Matrix {
  return (a[0] as number[]).map((_, j) => a.map((row) => row[j] as number));
}

export function identity(n: number, scale = 1): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale : 0)));
}

export function addMat(a: Matrix, b: Matrix, cb = 1): Matrix {
  return a.map((row, i) => row.map((v, j) => v + cb * ((b[i] as number[])[j] as number)));
}

export function matVec(a: Matrix, v: readonly number[]): number[] {
  return a.map((row) => row.reduce((s, x, k) => s + x * (v[k] as number), 0));
}

/** Inverse of a symmetric positive-definite matrix through its Cholesky factor. */
export function spdInverse(m: Matrix): Matrix {
  const n = m.length;
  const l = cholesky(m);
  const inv = identity(n);
  // solve L Y = I, then Lᵀ X = Y, column by column
  for (let c = 0; c < n; c++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= ((l[i] as number[])[k] as number) * (y[k] as number);
      y[i] = s / ((l[i] as number[])[i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i] as number;
      for (let k = i + 1; k < n; k++) s -= ((l[k] as number[])[i] as number) * ((inv[k] as number[])[c] as number);
      (inv[i] as number[])[c] = s / ((l[i] as number[])[i] as number);
    }
  }
  return inv;
}

export interface OuMixture {
  readonly model: DiffusionModel;
  readonly dim: number;
  readonly rate: number;
  readonly g: number;
  /** The components of p_t (float64). */
  marginal(t: number): MarginalComponent[];
  /** log p_t(x) in float64 for one flattened sample. */
  logDensity(x: ArrayLike<number>, t: number): number;
  /** ∇ log p_t(x) in float64 (for checking the tfjs score). */
  scoreAt(x: ArrayLike<number>, t: number): number[];
  /** log p_t as a tfjs prior: [B, ...D] → [B]. */
  priorLogDensity(t: number): (x: tf.Tensor) => tf.Tensor1D;
  /** n exact samples of p_t, [n, ...shape] (shape defaults to [D]), keyed by (seed, purpose). */
  sample(n: number, t: number, seed: number, purpose?: string, shape?: readonly number[]): tf.Tensor;
  /** Mean and covariance of p_t (float64). */
  moments(t: number): { mean: number[]; cov: Matrix };
}

/** The OU model with exact score for a Gaussian mixture; `rate` a > 0, `g` > 0. */
export function ouMixture(options: { rate: number; g: number; components: readonly Component[] }): OuMixture {
  const { rate: a, g, components } = options;
  const dim = (components[0] as Component).mean.length;
  const totalWeight = components.reduce((s, c) => s + c.weight, 0);

  const marginal = (t: number): MarginalComponent[] => {
    const decay = Math.exp(-a * t);
    const c = (g * g * (1 - Math.exp(-2 * a * t))) / (2 * a);
    return components.map((comp) => {
      const cov = addMat(
        comp.cov.map((row) => row.map((v) => v * decay * decay)),
        identity(dim, c),
      );
      const chol = cholesky(cov);
      const logDet = 2 * chol.reduce((s, row, i) => s + Math.log(row[i] as number), 0);
      return { weight: comp.weight / totalWeight, mean: comp.mean.map((m) => m * decay), cov, precision: spdInverse(cov), chol, logDet };
    });
  };

  const componentLogs = (x: ArrayLike<number>, t: number): { logs: number[]; parts: MarginalComponent[] } => {
    const parts = marginal(t);
    const logs = parts.map((p) => {
      const diff = p.mean.map((m, i) => (x[i] as number) - m);
      const pd = matVec(p.precision, diff);
      const quad = diff.reduce((s, v, i) => s + v * (pd[i] as number), 0);
      return Math.log(p.weight) - 0.5 * quad - 0.5 * p.logDet - 0.5 * dim * Math.log(2 * Math.PI);
    });
    return { logs, parts };
  };

  const logDensity = (x: ArrayLike<number>, t: number): number => {
    const { logs } = componentLogs(x, t);
    const m = Math.max(...logs);
    return m + Math.log(logs.reduce((s, l) => s + Math.exp(l - m), 0));
  };

  const scoreAt = (x: ArrayLike<number>, t: number): number[] => {
    const { logs, parts } = componentLogs(x, t);
    const m = Math.max(...logs);
    const w = logs.map((l) => Math.exp(l - m));
    const z = w.reduce((s, v) => s + v, 0);
    const out = new Array<number>(dim).fill(0);
    parts.forEach((p, k) => {
      const pd = matVec(
        p.precision,
        p.mean.map((mu, i) => (x[i] as number) - mu),
      );
      for (let i = 0; i < dim; i++) out[i] = (out[i] as number) - ((w[k] as number) / z) * (pd[i] as number);
    });
    return out;
  };

  /** Per component: (log w_k − ½ quad_k − ½ logdet_k − D/2 log 2π) [B] and P_k(x − m_k) [B, D], for x [B, D]. */
  const tfTerms = (x2: tf.Tensor2D, t: number): { logits: tf.Tensor2D; pds: tf.Tensor2D[] } => {
    const parts = marginal(t);
    const pds: tf.Tensor2D[] = [];
    const logs: tf.Tensor1D[] = [];
    for (const p of parts) {
      const diff = tf.sub(x2, tf.tensor2d([p.mean], [1, dim]));
      const pd = tf.matMul(diff, tf.tensor2d(p.precision.flat(), [dim, dim]));
      pds.push(pd as tf.Tensor2D);
      const quad = tf.sum(tf.mul(diff, pd), 1);
      logs.push(tf.add(tf.mul(quad, -0.5), Math.log(p.weight) - 0.5 * p.logDet - 0.5 * dim * Math.log(2 * Math.PI)) as tf.Tensor1D);
    }
    return { logits: tf.stack(logs, 1) as tf.Tensor2D, pds };
  };

  const flat = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [x.shape[0] as number, dim]) as tf.Tensor2D;
  const sharedTime = (t: number | tf.Tensor1D, name: string): number => {
    if (typeof t !== 'number') throw new RangeError(`${name}: the OU fixture supports a time shared by the batch only`);
    return t;
  };

  const drift: VectorField = {
    name: 'ou-drift',
    apply: (x, t) => {
      sharedTime(t, 'ou-drift');
      return tf.tidy(() => {
        if (x.size !== (x.shape[0] as number) * dim) throw new RangeError(`ou-drift: x must have ${dim} dims per row, got [${x.shape.join(', ')}]`);
        return tf.mul(x, -a);
      });
    },
    parameters: [],
    parameterCount: 0,
    dispose: () => {},
  };
  const score: VectorField = {
    name: 'ou-score',
    apply: (x, t) =>
      tf.tidy(() => {
        const time = sharedTime(t, 'ou-score');
        if (x.size !== (x.shape[0] as number) * dim) throw new RangeError(`ou-score: x must have ${dim} dims per row, got [${x.shape.join(', ')}]`);
        const { logits, pds } = tfTerms(flat(x), time);
        const r = tf.softmax(logits, 1);
        let s: tf.Tensor = tf.zerosLike(pds[0] as tf.Tensor);
        pds.forEach((pd, k) => {
          s = tf.sub(s, tf.mul(tf.slice(r, [0, k], [-1, 1]), pd));
        });
        return tf.reshape(s, x.shape);
      }),
    parameters: [],
    parameterCount: 0,
    dispose: () => {},
  };

  const priorLogDensity =
    (t: number) =>
    (x: tf.Tensor): tf.Tensor1D =>
      tf.tidy(() => tf.logSumExp(tfTerms(flat(x), t).logits, 1) as tf.Tensor1D);

  const sample = (n: number, t: number, seed: number, purpose = 'fixture', shape: readonly number[] = [dim]): tf.Tensor => {
    const parts = marginal(t);
    const u = replayableUniforms(n, { seed, purpose: `${purpose}/component`, iteration: 0, step: 0 });
    const z = replayableNormals(n * dim, { seed, purpose: `${purpose}/normal`, iteration: 0, step: 0 });
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      let k = 0;
      let acc = (parts[0] as MarginalComponent).weight;
      while (k + 1 < parts.length && (u[i] as number) >= acc) acc += (parts[++k] as MarginalComponent).weight;
      const p = parts[k] as MarginalComponent;
      const zi = Array.from(z.subarray(i * dim, (i + 1) * dim));
      const lz = matVec(p.chol, zi);
      for (let j = 0; j < dim; j++) out[i * dim + j] = (p.mean[j] as number) + (lz[j] as number);
    }
    return tf.tensor(out, [n, ...shape], 'float32');
  };

  const moments = (t: number): { mean: number[]; cov: Matrix } => {
    const parts = marginal(t);
    const mean = new Array<number>(dim).fill(0);
    for (const p of parts) for (let i = 0; i < dim; i++) mean[i] = (mean[i] as number) + p.weight * (p.mean[i] as number);
    let cov: Matrix = identity(dim, 0);
    for (const p of parts) {
      const d = p.mean.map((m, i) => m - (mean[i] as number));
      const outer = d.map((x) => d.map((y) => x * y));
      cov = addMat(cov, addMat(p.cov, outer), p.weight);
    }
    return { mean, cov };
  };

  return {
    model: diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(g) }), score),
    dim,
    rate: a,
    g,
    marginal,
    logDensity,
    scoreAt,
    priorLogDensity,
    sample,
    moments,
  };
}

/**
 * A 2-D mixture of three Gaussians (weights 0.5 / 0.3 / 0.2, correlated covariances of both signs)
 * under the OU process dx = −x dt + √2 dw, whose stationary law is the N(0, I) prior: the
 * multi-modal case shared by the fixture's own test and probabilityFlowNll's.
 */
export function threeGaussians2d(): OuMixture {
  return ouMixture({
    rate: 1,
    g: Math.SQRT2,
    components: [
      { weight: 0.5, mean: [1.5, 0], cov: [[0.1, 0.05], [0.05, 0.2]] },
      { weight: 0.3, mean: [-1, 1], cov: [[0.3, 0], [0, 0.05]] },
      { weight: 0.2, mean: [0, -1.5], cov: [[0.15, -0.04], [-0.04, 0.1]] },
    ],
  });
}

/**
 * A 2-D mixture of two Gaussians (weights 0.6 / 0.4, correlated covariances of both signs) under
 * the OU process dx = −x dt + √2 dw: the heat-map case shared by logDensityGrid's and
 * dataLogDensityGrid's tests.
 */
export function twoGaussians2d(): OuMixture {
  return ouMixture({
    rate: 1,
    g: Math.SQRT2,
    components: [
      { weight: 0.6, mean: [1, 0.5], cov: [[0.2, 0.05], [0.05, 0.3]] },
      { weight: 0.4, mean: [-1, -0.5], cov: [[0.25, -0.1], [-0.1, 0.2]] },
    ],
  });
}
