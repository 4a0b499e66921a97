import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { exactMoments, gaussianVp, moments } from './gaussian.fixture.js';
import { eulerMaruyama } from './euler_maruyama.js';
import { predictorCorrector } from './predictor_corrector.js';
import { runSampler } from './sampler.js';

describe('predictor-corrector', () => {
  const n = 4000;
  const t0 = 0.05;
  const grid = fixedGrid({ steps: 100, tMin: t0, tMax: 1, beta: 1 });

  it('samples the data on Gaussian data with the exact score: mean and std within 4.5 standard errors plus the discretisation (0.03), snr ∈ {0.05, 0.16}', () => {
    const exact = exactMoments(t0);
    for (const snr of [0.05, 0.16]) {
      const got = moments(expectNoLeaks(() => take(runSampler(predictorCorrector, gaussianVp, { grid, n, shape: [2], seed: 2 }, { snr, correctorSteps: 1 }).samples)));
      for (let j = 0; j < 2; j++) {
        const sd = exact.std[j]!;
        expect(Math.abs(got.mean[j]! - exact.mean[j]!), `snr ${snr} mean ${j}`).toBeLessThan(4.5 * (sd / Math.sqrt(n)) + 0.03);
        expect(Math.abs(got.std[j]! - sd), `snr ${snr} std ${j}`).toBeLessThan(4.5 * (sd / Math.sqrt(2 * n)) + 0.03);
      }
    }
  });

  it('is the reverse-diffusion predictor alone (Euler–Maruyama at λ = 1) with no corrector steps, bit for bit', () => {
    const small = fixedGrid({ steps: 5, tMin: t0, tMax: 1, beta: 1 });
    const a = take(runSampler(predictorCorrector, gaussianVp, { grid: small, n: 7, shape: [2], seed: 3 }, { correctorSteps: 0 }).samples);
    const b = take(runSampler(eulerMaruyama, gaussianVp, { grid: small, n: 7, shape: [2], seed: 3 }, { lambda: 1 }).samples);
    expect(a).toEqual(b);
  });
});
