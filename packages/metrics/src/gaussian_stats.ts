import * as tf from '@tensorflow/tfjs-core';

/**
 * n feature vectors of dimension d, row-major: row k is `data[k·d … k·d + d − 1]`.
 * What {@link classifierFeatures} returns and {@link gaussianStats} reads.
 */
export interface FeatureMatrix {
  /** [n, d] row-major. */
  readonly data: Float32Array | Float64Array;
  readonly n: number;
  readonly d: number;
}

/**
 * The mean and covariance of a set of feature vectors, in float64: the Gaussian N(μ, Σ) that the
 * Fréchet distance compares.
 */
export interface GaussianStats {
  /** μ = (1/n) Σ_k x_k, [d]. */
  readonly mean: Float64Array;
  /** Σ = (1/(n − 1)) Σ_k (x_k − μ)(x_k − μ)ᵀ (unbiased), [d, d] row-major, symmetric. */
  readonly covariance: Float64Array;
  /** Vectors the statistics were taken over. */
  readonly n: number;
  readonly d: number;
}

/**
 * Mean and unbiased covariance of n feature vectors, accumulated in float64 (two passes: the mean,
 * then the centred products), so float32 features of large magnitude lose no digits:
 *   μ = (1/n) Σ_k x_k,   Σ = (1/(n − 1)) Σ_k (x_k − μ)(x_k − μ)ᵀ.
 *
 * @param features [n, d], n ≥ 2: a {@link FeatureMatrix} or a `tf.Tensor2D` (read, not disposed)
 * @returns mean [d] and covariance [d·d] (row-major, exactly symmetric)
 * @throws RangeError naming `features` when n < 2, d < 1, the sizes disagree or a value is not finite
 */
export function gaussianStats(features: FeatureMatrix | tf.Tensor2D): GaussianStats {
  const m = features instanceof tf.Tensor ? tensorFeatures(features) : features;
  const { data, n, d } = m;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`gaussianStats: features must hold at least 2 vectors (the unbiased covariance divides by n − 1), got n = ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`gaussianStats: features must have dimension d ≥ 1, got d = ${d}`);
  if (data.length !== n * d) throw new RangeError(`gaussianStats: features.data has ${data.length} values, expected n·d = ${n}·${d} = ${n * d}`);
  const mean = new Float64Array(d);
  for (let k = 0; k < n; k++) {
    const row = k * d;
    for (let i = 0; i < d; i++) mean[i] = (mean[i] as number) + (data[row + i] as number);
  }
  for (let i = 0; i < d; i++) {
    mean[i] = (mean[i] as number) / n;
    if (!Number.isFinite(mean[i] as number)) throw new RangeError(`gaussianStats: features holds a non-finite value in column ${i}`);
  }
  const covariance = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let k = 0; k < n; k++) {
    const row = k * d;
    for (let i = 0; i < d; i++) centred[i] = (data[row + i] as number) - (mean[i] as number);
    // the upper triangle only; mirrored below, so Σ is symmetric to the last bit
    for (let i = 0; i < d; i++) {
      const ci = centred[i] as number;
      if (ci === 0) continue;
      const base = i * d;
      for (let j = i; j < d; j++) covariance[base + j] = (covariance[base + j] as number) + ci * (centred[j] as number);
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = (covariance[i * d + j] as number) / (n - 1);
      covariance[i * d + j] = v;
      covariance[j * d + i] = v;
    }
  }
  return { mean, covariance, n, d };
}

function tensorFeatures(t: tf.Tensor): FeatureMatrix {
  if (t.rank !== 2) throw new RangeError(`gaussianStats: features must be a 2-D tensor [n, d], got shape [${t.shape.join(', ')}]`);
  const [n, d] = t.shape as [number, number];
  return { data: t.dataSync() as Float32Array, n, d };
}
