import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { exactFlow, gaussianVp, momentError } from './gaussian.fixture.js';
import { heun } from './heun.js';
import { runSampler } from './sampler.js';

describe('heun', () => {
  it('is second order: on Gaussian data with the exact score, halving the step divides the moment error by ≈ 4', () => {
    const n = 500;
    const [t0, T] = [0.05, 1];
    const prior = gaussianVp.sde.prior.sample([0, n], [2], 3);
    const exact = exactFlow(prior.dataSync(), T, t0);
    const errors = [16, 32, 64].map((steps) =>
      momentError(expectNoLeaks(() => take(runSampler(heun, gaussianVp, { grid: fixedGrid({ steps, tMin: t0, tMax: T, beta: 1 }), n, shape: [2], seed: 1, prior }).samples)), exact),
    );
    prior.dispose();
    // measured (wasm): 1.09e-2, 2.75e-3, 6.90e-4; the errors are ≫ float32 rounding (~1e-6)
    for (let k = 1; k < errors.length; k++) expect(Math.log2(errors[k - 1]! / errors[k]!)).toBeGreaterThan(1.8);
    for (let k = 1; k < errors.length; k++) expect(Math.log2(errors[k - 1]! / errors[k]!)).toBeLessThan(2.2);
    expect(errors[2]).toBeLessThan(1e-3);
  });
});
