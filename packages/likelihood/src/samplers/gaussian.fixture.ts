/**
 * Test support: Gaussian data N(μ, diag(v)) under an SDE with a closed-form marginal (VP by default;
 * sub-VP and VE through {@link gaussianData}), whose score is exact,
 *   p_t = N(m_t μ, diag(m_t² v + σ_t²)),   s(x, t) = −(x − m_t μ) / (m_t² v + σ_t²),
 * and whose probability-flow ODE is solved in closed form coordinate-wise (its flow keeps each
 * coordinate's standardised value): x_t = m_t μ + √(V_t / V_T) (x_T − m_T μ), V_t = m_t² v + σ_t².
 */
import * as tf from '@tensorflow/tfjs-core';
import { diffusionModel, vpSchedule, vpSde, type DiffusionModel, type Sde, type VectorField } from '@diffflow/sde-core';

export const mu = [1, -0.5];
export const variance = [0.3, 2];
/** The model with the exact score of the Gaussian data under `sde`, and the exact probability-flow map. */
export function gaussianData(sde: Sde): { readonly model: DiffusionModel; exactFlow(xT: ArrayLike<number>, T: number, t0: number): number[] } {
  const marginalVariance = (t: number, j: number): number => {
    const { meanScale: m, std } = sde.marginal!(t);
    return m * m * (variance[j] as number) + std * std;
  };

  /** The exact score of p_t as a parameter-free field (t shared by the batch). */
  const score: VectorField = {
    name: 'exact-score',
    apply: (x, t) =>
      tf.tidy(() => {
        if (typeof t !== 'number') throw new RangeError('exact-score: t must be shared');
        const m = sde.marginal!(t).meanScale;
        const mean = tf.tensor1d(mu.map((u) => m * u));
        const v = tf.tensor1d(mu.map((_, j) => marginalVariance(t, j)));
        return tf.neg(tf.div(tf.sub(x, mean), v));
      }),
    parameters: [],
    parameterCount: 0,
    dispose: () => undefined,
  };

  /** The probability-flow ODE's exact solution at t0 from rows x_T at T (flat [n·2], float64). */
  const exactFlow = (xT: ArrayLike<number>, T: number, t0: number): number[] => {
    const mT = sde.marginal!(T).meanScale;
    const m0 = sde.marginal!(t0).meanScale;
    return Array.from(xT, (x, k) => {
      const j = k % 2;
      return m0 * (mu[j] as number) + Math.sqrt(marginalVariance(t0, j) / marginalVariance(T, j)) * (x - mT * (mu[j] as number));
    });
  };
  return { model: diffusionModel(sde, score), exactFlow };
}

const vp = gaussianData(vpSde(vpSchedule({ betaMin: 0.1, betaMax: 20 })));
/** The VP model with the exact score of the Gaussian data. */
export const gaussianVp: DiffusionModel = vp.model;
/** The exact probability-flow map of {@link gaussianVp}. */
export const exactFlow = vp.exactFlow;
const vpMarginal = vpSde(vpSchedule({ betaMin: 0.1, betaMax: 20 })).marginal!;

/** Per-coordinate mean and standard deviation of flat [n·2] rows. */
export function moments(xs: ArrayLike<number>): { mean: number[]; std: number[] } {
  const n = xs.length / 2;
  const mean = [0, 1].map((j) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += xs[2 * r + j] as number;
    return s / n;
  });
  const std = [0, 1].map((j) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += ((xs[2 * r + j] as number) - (mean[j] as number)) ** 2;
    return Math.sqrt(s / (n - 1));
  });
  return { mean, std };
}

/** Σ_j |mean_j − mean'_j| + |std_j − std'_j|: how far two sets of rows' moments are apart. */
export function momentError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = moments(a);
  const mb = moments(b);
  return [0, 1].reduce((s, j) => s + Math.abs((ma.mean[j] as number) - (mb.mean[j] as number)) + Math.abs((ma.std[j] as number) - (mb.std[j] as number)), 0);
}

/** The exact moments of the data at t0: mean m_t0 μ, std √V_t0. */
export function exactMoments(t0: number): { mean: number[]; std: number[] } {
  const { meanScale: m, std } = vpMarginal(t0);
  return { mean: mu.map((u) => m * u), std: mu.map((_, j) => Math.sqrt(m * m * (variance[j] as number) + std * std)) };
}
