import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, linearDrift, rowNormals, subVpSde, veSde, vpSchedule } from '@diffflow/sde-core';
import { exactFlow, exactMoments, gaussianData, gaussianVp, momentError, moments } from './gaussian.fixture.js';
import { dpmSolver, dpmSolverSde } from './dpm_solver.js';
import { runSampler, SamplerModelError, samplerNoisePurpose } from './sampler.js';

describe('dpm-solver', () => {
  it('has order k for k = 1, 2, 3: on Gaussian data with the exact score, halving the step divides the moment error by ≈ 2^k', () => {
    const n = 500;
    const [t0, T] = [0.05, 1];
    const prior = gaussianVp.sde.prior.sample([0, n], [2], 3);
    const exact = exactFlow(prior.dataSync(), T, t0);
    const error = (order: number, steps: number): number =>
      momentError(expectNoLeaks(() => take(runSampler(dpmSolver, gaussianVp, { grid: fixedGrid({ steps, tMin: t0, tMax: T, beta: 1 }), n, shape: [2], seed: 1, prior }, { order }).samples)), exact);
    // measured (wasm) log2 ratios from N = 32 to 64: 0.98, 1.98, 2.87 (orders 2 and 3 reach their rate from N ≈ 16–32)
    for (const order of [1, 2, 3]) {
      const rate = Math.log2(error(order, 32) / error(order, 64));
      expect(rate, `order ${order}`).toBeGreaterThan(order - 0.2);
      expect(rate, `order ${order}`).toBeLessThan(order + 0.3);
    }
    prior.dispose();
  });

  it('is second order on sub-VP and VE too (their closed-form marginals), order 2 from N = 32 to 64', () => {
    const n = 300;
    for (const [label, sde, t0, T] of [
      ['sub-VP', subVpSde(vpSchedule({ betaMin: 0.1, betaMax: 20 })), 0.05, 1],
      ['VE', veSde({ sigmaMin: 0.01, sigmaMax: 5 }), 0.05, 1],
    ] as const) {
      const data = gaussianData(sde);
      const prior = sde.prior.sample([0, n], [2], 3);
      const exact = data.exactFlow(prior.dataSync(), T, t0);
      const error = (steps: number): number =>
        momentError(take(runSampler(dpmSolver, data.model, { grid: fixedGrid({ steps, tMin: t0, tMax: T, beta: 1 }), n, shape: [2], seed: 1, prior }, { order: 2 }).samples), exact);
      const rate = Math.log2(error(32) / error(64));
      prior.dispose();
      expect(rate, label).toBeGreaterThan(1.7);
      expect(rate, label).toBeLessThan(2.4);
    }
  });

  it('refuses an SDE without a closed-form marginal (a learned drift), naming the SDE and the samplers that can', () => {
    const learned = diffusionModel(diffflowSde({ drift: linearDrift(() => -1, 'drift'), diffusion: constantDiffusion(1) }), linearDrift(() => -1, 'score'));
    const run = () => runSampler(dpmSolver, learned, { grid: [0.1, 0.5], n: 2, shape: [2], seed: 1 });
    expectNoLeaks(() => {
      expect(run).toThrow(SamplerModelError);
      expect(run).toThrow(/sampler 'dpm-solver' needs an SDE with a fixed linear drift and a closed-form marginal \(VP, sub-VP, VE\); 'DiffFlow.*' has none .* use heun, rk45/);
    });
    expect(() => runSampler(dpmSolver, gaussianVp, { grid: [0.1, 0.5], n: 2, shape: [2], seed: 1 }, { order: 4 })).toThrow(/setting 'order' must be an integer in \[1, 3\], got 4/);
  });
});

describe('dpm-solver-sde', () => {
  const n = 4000;
  const [t0, T] = [0.05, 1];

  it('samples the data on Gaussian data with the exact score: mean and std within 4.5 standard errors plus the discretisation (0.02) at N = 64, and closer at N = 64 than at N = 4', () => {
    const exact = exactMoments(t0);
    const worst = (steps: number): number => {
      const got = moments(expectNoLeaks(() => take(runSampler(dpmSolverSde, gaussianVp, { grid: fixedGrid({ steps, tMin: t0, tMax: T, beta: 1 }), n, shape: [2], seed: 2 }).samples)));
      return Math.max(...[0, 1].map((j) => Math.max(Math.abs(got.mean[j]! - exact.mean[j]!), Math.abs(got.std[j]! - exact.std[j]!) / exact.std[j]!)));
    };
    const fine = worst(64);
    expect(fine).toBeLessThan(4.5 * (Math.sqrt(2) / Math.sqrt(n)) + 0.02);
    expect(fine).toBeLessThan(worst(4));
  });

  it('its first step (one x̂_0: order 1) is the DDPM posterior step, without the noise on the last step by default: x_t = (σ_t/σ_s) e^{−h} x_s + α_t (1 − e^{−2h}) x̂_0 + σ_t √(1 − e^{−2h}) δ, with δ the keyed noise of the step', () => {
    const grid = [0.2, 0.6];
    const prior = gaussianVp.sde.prior.sample([0, 3], [2], 5);
    const got = take(runSampler(dpmSolverSde, gaussianVp, { grid, n: 3, shape: [2], seed: 4, prior }, { denoise: false }).samples);
    const mean = take(runSampler(dpmSolverSde, gaussianVp, { grid, n: 3, shape: [2], seed: 4, prior }).samples); // denoise: the step without its noise
    const at = (t: number) => {
      const m = gaussianVp.sde.marginal!(t);
      return { alpha: m.meanScale, sigma: m.std, lambda: Math.log(m.meanScale / m.std) };
    };
    const [t, s] = [at(0.2), at(0.6)];
    const h = t.lambda - s.lambda;
    const x = prior.dataSync();
    const score = take(gaussianVp.score.apply(prior, 0.6));
    const delta = rowNormals(4, samplerNoisePurpose, [0, 3], 2, 0);
    const want = Array.from(x, (xi, k) => {
      const x0 = (xi + s.sigma * s.sigma * score[k]!) / s.alpha;
      return (t.sigma / s.sigma) * Math.exp(-h) * xi + t.alpha * -Math.expm1(-2 * h) * x0;
    });
    got.forEach((g, k) => expect(g).toBeCloseTo(want[k]! + t.sigma * Math.sqrt(-Math.expm1(-2 * h)) * delta[k]!, 5));
    mean.forEach((g, k) => expect(g).toBeCloseTo(want[k]!, 5));
    prior.dispose();
  });

  it('refuses a setting it does not have and a learned drift, naming them', () => {
    expect(() => runSampler(dpmSolverSde, gaussianVp, { grid: [0.1, 0.5], n: 2, shape: [2], seed: 1 }, { order: 3 })).toThrow(/sampler 'dpm-solver-sde' has no setting 'order' \(its settings: lowerOrderFinal, denoise\)/);
    const learned = diffusionModel(diffflowSde({ drift: linearDrift(() => -1, 'drift'), diffusion: constantDiffusion(1) }), linearDrift(() => -1, 'score'));
    expect(() => runSampler(dpmSolverSde, learned, { grid: [0.1, 0.5], n: 2, shape: [2], seed: 1 })).toThrow(/sampler 'dpm-solver-sde' needs an SDE with a fixed linear drift/);
  });
});
