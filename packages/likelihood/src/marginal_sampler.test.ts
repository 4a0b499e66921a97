import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { diffflowSde, diffusionModel, disposeTrajectory, fixedGrid, reverseProcess, stepSizes } from '@diffflow/sde-core';
import { vectorField } from '@diffflow/networks';
import { addMat, identity, matMul, matVec, transpose, ouMixture, type Matrix } from './ou_mixture.fixture.js';
import { sampleMarginal } from './marginal_sampler.js';

// OU with exact score for Gaussian data: p_t = N(e^{−t}μ, e^{−2t}Σ + (1 − e^{−2t})I) (a = 1, g = √2)
const gauss = ouMixture({ rate: 1, g: Math.SQRT2, components: [{ weight: 1, mean: [1, -0.5], cov: [[0.3, 0.12], [0.12, 0.2]] }] });
const T = 1;
const grid = fixedGrid({ steps: 100, tMin: 0, tMax: T, beta: 1 });

/**
 * Exact mean and covariance of the Euler–Maruyama chain started at p_T (float64): for Gaussian data
 * every backward step is affine, x_i = A_i x_{i+1} + c_i + λ g √Δt δ with
 * A_i = (1 + aΔt)I − ((1 + λ²)/2) g² Δt P(t_{i+1}) and c_i = ((1 + λ²)/2) g² Δt P(t_{i+1}) m(t_{i+1}).
 */
function chainMoments(lambda: number): { mean: number[]; cov: Matrix } {
  const dts = stepSizes(grid);
  const start = gauss.marginal(T)[0]!;
  let mean = start.mean.slice();
  let cov = start.cov.map((r) => r.slice());
  for (let i = dts.length - 1; i >= 0; i--) {
    const dt = dts[i]!;
    const p = gauss.marginal(grid[i + 1]!)[0]!;
    const k = 0.5 * (1 + lambda * lambda) * gauss.g ** 2 * dt;
    const a = addMat(identity(2, 1 + gauss.rate * dt), p.precision, -k);
    const pm = matVec(p.precision, p.mean);
    mean = matVec(a, mean).map((v, j) => v + k * pm[j]!);
    cov = addMat(matMul(matMul(a, cov), transpose(a)), identity(2, lambda * lambda * gauss.g ** 2 * dt));
  }
  return { mean, cov };
}

function sampleMoments(xs: number[], n: number): { mean: number[]; cov: Matrix } {
  const mean = [0, 0];
  for (let r = 0; r < n; r++) for (let j = 0; j < 2; j++) mean[j]! += xs[2 * r + j]! / n;
  const cov: Matrix = [
    [0, 0],
    [0, 0],
  ];
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) cov[j]![k]! += ((xs[2 * r + j]! - mean[j]!) * (xs[2 * r + k]! - mean[k]!)) / (n - 1);
  }
  return { mean, cov };
}

describe('sampleMarginal', () => {
  it('gives the data marginal for λ ∈ {0, 0.5, 1} (mean and covariance within 4.5 standard errors of the exact chain, n = 4000)', () => {
    const n = 4000;
    const target = gauss.moments(0);
    for (const lambda of [0, 0.5, 1]) {
      const prior = gauss.sample(n, T, 11, 'prior');
      const xs = expectNoLeaks(() => take(sampleMarginal(gauss.model, { grid, lambda, n, shape: [2], seed: 5, prior, denoise: false }).samples));
      prior.dispose();
      const chain = chainMoments(lambda);
      // (1) the discretisation: the exact chain moments are within 0.02 of the data moments (float64, no sampling)
      for (let j = 0; j < 2; j++) {
        expect(Math.abs(chain.mean[j]! - target.mean[j]!), `λ=${lambda} chain mean`).toBeLessThan(0.02);
        for (let k = 0; k < 2; k++) expect(Math.abs(chain.cov[j]![k]! - target.cov[j]![k]!), `λ=${lambda} chain cov`).toBeLessThan(0.02);
      }
      // (2) the sampler: Monte Carlo error only. SE(mean_j) = √(C_jj/n); SE(cov_jk) = √((C_jj C_kk + C_jk²)/n) for Gaussians.
      const got = sampleMoments(xs, n);
      const c = chain.cov;
      for (let j = 0; j < 2; j++) {
        expect(Math.abs(got.mean[j]! - chain.mean[j]!), `λ=${lambda} mean[${j}]`).toBeLessThan(4.5 * Math.sqrt(c[j]![j]! / n));
        for (let k = 0; k < 2; k++) {
          const se = Math.sqrt((c[j]![j]! * c[k]![k]! + c[j]![k]! ** 2) / n);
          expect(Math.abs(got.cov[j]![k]! - c[j]![k]!), `λ=${lambda} cov[${j}][${k}]`).toBeLessThan(4.5 * se);
        }
      }
    }
  });

  it('matches the backward SDE step of Eq. 12 for λ = 1, and the Euler ODE step for λ = 0, one step at a time', () => {
    const g2 = [0, 0.5, 1].map((lambda) => {
      const { samples, trajectory } = sampleMarginal(gauss.model, { grid: [0.2, 0.3], lambda, n: 3, shape: [2], seed: 9, denoise: false, trajectory: true });
      const [x0, x1] = trajectory!.states as [tf.Tensor, tf.Tensor];
      // x_0 − (x_1 − drift_λ(x_1, t_1)·Δt) = λ g √Δt δ, with δ the documented key (seed, 'sample/noise', row, step 0)
      const residual = take(tf.tidy(() => tf.sub(x0, tf.sub(x1, tf.mul(reverseProcess(gauss.model, lambda).drift(x1, 0.3), 0.1)))));
      samples.dispose();
      disposeTrajectory(trajectory!);
      return residual;
    });
    expect(Math.max(...g2[0]!.map(Math.abs))).toBeLessThan(1e-6); // ODE: no noise
    // the noise scales exactly with λ (same δ): residual(λ = 1) = 2 · residual(λ = 0.5)
    g2[2]!.forEach((v, k) => expect(Math.abs(v - 2 * g2[1]![k]!)).toBeLessThan(1e-6));
    expect(Math.max(...g2[2]!.map(Math.abs))).toBeGreaterThan(1e-2);
  });

  it('ends with the noise-free Tweedie step when denoise is set: x_0 = x_1 − (f − g² s)(x_1, t_1)Δt_0', () => {
    for (const lambda of [0, 1]) {
      const out = expectNoLeaks(() => {
        const { samples, trajectory } = sampleMarginal(gauss.model, { grid: [0.1, 0.2, 0.35], lambda, n: 5, shape: [2], seed: 2, denoise: true, trajectory: true });
        const x1 = trajectory!.states[1]!;
        const mean = tf.tidy(() => tf.sub(x1, tf.mul(reverseProcess(gauss.model, 1).drift(x1, 0.2), 0.1)));
        const res = { samples: take(samples), mean: take(mean) };
        disposeTrajectory(trajectory!);
        return res;
      });
      out.samples.forEach((v, k) => expect(Math.abs(v - out.mean[k]!)).toBeLessThan(1e-6));
    }
  });

  it('returns the trajectory in grid order, replays the seeded prior, and does not depend on batchSize', () => {
    const small = fixedGrid({ steps: 5, tMin: 1e-3, tMax: 0.5, beta: 0.9 });
    const run = (batchSize: number): { samples: number[]; states: number[][]; times: readonly number[] } =>
      expectNoLeaks(() => {
        const { samples, trajectory } = sampleMarginal(gauss.model, { grid: small, lambda: 0.7, n: 13, shape: [2], seed: 4, trajectory: true, batchSize });
        const states = trajectory!.states.map((s) => {
          expect(s.shape).toEqual([13, 2]);
          return take(s);
        });
        return { samples: take(samples), states, times: trajectory!.times };
      });
    const whole = run(100);
    const chunked = run(4);
    expect(whole.times).toEqual(small);
    expect(whole.states).toHaveLength(6);
    expect(whole.states[0]).toEqual(whole.samples);
    // the prior is N(0, I) keyed per row: (seed, 'sample/prior', row, 0)
    expect(whole.states[5]!.length).toBe(26);
    chunked.samples.forEach((v, k) => expect(Math.abs(v - whole.samples[k]!)).toBeLessThan(1e-6));
    // a different seed gives different samples
    const other = take(sampleMarginal(gauss.model, { grid: small, lambda: 0.7, n: 13, shape: [2], seed: 5 }).samples);
    expect(other).not.toEqual(whole.samples);
  });

  it('frees every tensor when the field fails halfway through sampling', () => {
    const drift = gauss.model.sde.drift;
    const failingDrift = vectorField({
      name: 'failing',
      apply: (x: tf.Tensor, t: number | tf.Tensor1D) => {
        if (typeof t === 'number' && t < 0.5) throw new Error('field failed');
        return drift.apply(x, t);
      },
    });
    const failing = diffusionModel(diffflowSde({ drift: failingDrift, diffusion: gauss.model.sde.diffusion }), gauss.model.score);
    expectNoLeaks(() => {
      expect(() => sampleMarginal(failing, { grid, lambda: 1, n: 10, shape: [2], seed: 1, trajectory: true, batchSize: 3 })).toThrow(/field failed/);
    });
  });

  it('rejects bad input with a RangeError naming the argument', () => {
    const base = { grid, lambda: 1, n: 4, shape: [2], seed: 0 } as const;
    const bad = tf.tensor2d([
      [0, 1],
      [Number.NaN, 0],
      [0, 0],
      [1, 1],
    ]);
    const wrong = tf.zeros([4, 3]);
    expectNoLeaks(() => {
      expect(() => sampleMarginal(gauss.model, { ...base, lambda: -0.5 })).toThrow(/setting 'lambda' must be a number ≥ 0, got -0.5/);
      expect(() => sampleMarginal(gauss.model, { ...base, lambda: Number.NaN })).toThrow(RangeError);
      expect(() => sampleMarginal(gauss.model, { ...base, n: 0 })).toThrow(/n must be an integer ≥ 1/);
      expect(() => sampleMarginal(gauss.model, { ...base, batchSize: 0 })).toThrow(/batchSize must be an integer ≥ 1/);
      expect(() => sampleMarginal(gauss.model, { ...base, shape: [3] })).toThrow(/shape has per-sample shape \[3\], which the model's ou-drift field does not accept/);
      expect(() => sampleMarginal(gauss.model, { ...base, prior: bad })).toThrow(/prior must be finite everywhere, got NaN/);
      expect(() => sampleMarginal(gauss.model, { ...base, prior: wrong })).toThrow(/prior must be \[n, \.\.\.shape\] = \[4, 2\], got \[4, 3\]/);
      expect(() => sampleMarginal(gauss.model, { ...base, grid: [0.1] })).toThrow(/grid must have at least 2 time points/);
    });
    tf.dispose([bad, wrong]);
  });
});
