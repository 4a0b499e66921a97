import { describe, expect, it } from 'vitest';
import {
  estimateSyntheticEntropy,
  sampleSyntheticMixture,
  syntheticEntropy,
  syntheticEntropyBounds,
  syntheticLogDensity,
  syntheticMixture,
  syntheticMixtureParameters,
  syntheticSizes,
} from './synthetic.js';

/** log N(x; μ, Σ) by Gaussian elimination on Σ = L Lᵀ (independent of the library's triangular solve). */
function logGauss(x: number[], mu: number[], L: number[][]): number {
  const d = x.length;
  const S = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => L[i]!.reduce((s, _v, k) => s + L[i]![k]! * L[j]![k]!, 0)));
  const A = S.map((row, i) => [...row, x[i]! - mu[i]!]);
  let logDet = 0;
  for (let c = 0; c < d; c++) {
    logDet += Math.log(A[c]![c]!);
    for (let r = c + 1; r < d; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= d; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  const y = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = A[r]![d]!;
    for (let k = r + 1; k < d; k++) s -= A[r]![k]! * y[k]!;
    y[r] = s / A[r]![r]!;
  }
  const q = y.reduce((s, v, i) => s + v * (x[i]! - mu[i]!), 0);
  return -0.5 * (d * Math.log(2 * Math.PI) + logDet + q);
}

describe('syntheticMixture', () => {
  const ds = syntheticMixture(0);

  it('has the fixed split sizes, 6 columns, and is reproducible from its seed', () => {
    expect([ds.train.rows, ds.validation.rows, ds.test.rows, ds.dim]).toEqual([syntheticSizes.train, syntheticSizes.validation, syntheticSizes.test, 6]);
    expect(syntheticMixture(0).test.data).toEqual(ds.test.data);
    expect(syntheticMixture(1).test.data).not.toEqual(ds.test.data);
    expect(ds.train.data.subarray(0, 6)).not.toEqual(ds.test.data.subarray(0, 6));
  });

  it('logDensity equals the mixture formula computed independently (rel. 1e-10)', () => {
    const { weights, means, cholesky } = syntheticMixtureParameters();
    for (let i = 0; i < 20; i++) {
      const x = Array.from(ds.test.data.subarray(6 * i, 6 * i + 6));
      const direct = Math.log(weights.reduce((s, w, k) => s + w * Math.exp(logGauss(x, means[k]!, cholesky[k]!)), 0));
      const lib = syntheticLogDensity(Float64Array.from(x))[0]!;
      expect(Math.abs(lib - direct)).toBeLessThan(1e-10 * Math.max(1, Math.abs(direct)));
    }
  });

  it('sample means match Σ wₖ μₖ (5 standard errors)', () => {
    const { weights, means } = syntheticMixtureParameters();
    const x = sampleSyntheticMixture(50_000, 9, 'test');
    for (let j = 0; j < 6; j++) {
      const want = weights.reduce((s, w, k) => s + w * means[k]![j]!, 0);
      let m = 0;
      let sq = 0;
      for (let i = 0; i < 50_000; i++) m += x[6 * i + j]!;
      m /= 50_000;
      for (let i = 0; i < 50_000; i++) sq += (x[6 * i + j]! - m) ** 2;
      expect(Math.abs(m - want)).toBeLessThan(5 * Math.sqrt(sq / 50_000 / 50_000));
    }
  });

  it('the stored entropy lies within the exact bounds and agrees with a fresh estimate (5 σ)', () => {
    const { lower, upper } = syntheticEntropyBounds();
    expect(syntheticEntropy.estimate).toBeGreaterThan(lower);
    expect(syntheticEntropy.estimate).toBeLessThan(upper);
    const fresh = estimateSyntheticEntropy(200_000, 77);
    const se = Math.hypot(fresh.standardError, syntheticEntropy.standardError);
    expect(Math.abs(fresh.estimate - syntheticEntropy.estimate)).toBeLessThan(5 * se);
  });

  it("the truth's test NLL is close to the entropy (the test set is a sample of the density)", () => {
    const lp = ds.logDensity(ds.test.data);
    let m = 0;
    let sq = 0;
    for (const v of lp) m -= v;
    m /= lp.length;
    expect(ds.testNll).toBeCloseTo(m, 10);
    for (const v of lp) sq += (-v - m) ** 2;
    const se = Math.sqrt(sq / (lp.length - 1) / lp.length);
    expect(Math.abs(ds.testNll - ds.entropy.estimate)).toBeLessThan(5 * Math.hypot(se, ds.entropy.standardError));
  });
});
