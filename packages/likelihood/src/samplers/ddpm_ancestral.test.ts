import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, linearDrift, veSde } from '@diffflow/sde-core';
import { exactMoments, gaussianVp, moments } from './gaussian.fixture.js';
import { ddpmAncestral } from './ddpm_ancestral.js';
import { runSampler, SamplerModelError } from './sampler.js';

describe('ddpm-ancestral', () => {
  it('samples the data on Gaussian data with the exact score: mean and std within 4.5 standard errors plus the discretisation (0.03), both variances', () => {
    const n = 4000;
    const t0 = 0.05;
    const grid = fixedGrid({ steps: 100, tMin: t0, tMax: 1, beta: 1 });
    const exact = exactMoments(t0);
    for (const posteriorVariance of [false, true]) {
      const got = moments(expectNoLeaks(() => take(runSampler(ddpmAncestral, gaussianVp, { grid, n, shape: [2], seed: 2 }, { posteriorVariance }).samples)));
      for (let j = 0; j < 2; j++) {
        const sd = exact.std[j]!;
        expect(Math.abs(got.mean[j]! - exact.mean[j]!), `posterior ${posteriorVariance} mean ${j}`).toBeLessThan(4.5 * (sd / Math.sqrt(n)) + 0.03);
        expect(Math.abs(got.std[j]! - sd), `posterior ${posteriorVariance} std ${j}`).toBeLessThan(4.5 * (sd / Math.sqrt(2 * n)) + 0.03);
      }
    }
  });

  it('refuses an SDE that is not variance-preserving (VE, a learned drift), naming it', () => {
    const ve = diffusionModel(veSde({ sigmaMin: 0.01, sigmaMax: 5 }), linearDrift(() => -1, 'score'));
    expect(() => runSampler(ddpmAncestral, ve, { grid: [0.1, 0.5], n: 2, shape: [2], seed: 1 })).toThrow(SamplerModelError);
    expect(() => runSampler(ddpmAncestral, ve, { grid: [0.1, 0.5], n: 2, shape: [2], seed: 1 })).toThrow(/needs a variance-preserving SDE.*'VE\(0.01, 5\)' is not/);
    const learned = diffusionModel(diffflowSde({ drift: linearDrift(() => -1, 'drift'), diffusion: constantDiffusion(1), interval: [0, 1] }), linearDrift(() => -1, 'score'));
    expect(() => runSampler(ddpmAncestral, learned, { grid: [0.1, 0.5], n: 2, shape: [2], seed: 1 })).toThrow(/'DiffFlow.*' is not/);
  });
});
