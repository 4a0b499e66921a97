import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { exactFlow, gaussianVp, momentError } from './gaussian.fixture.js';
import { rk45 } from './rk45.js';
import { runSampler } from './sampler.js';

describe('rk45', () => {
  it('meets its tolerance: on Gaussian data with the exact score the moment error falls with rtol = atol', () => {
    const n = 500;
    const [t0, T] = [0.05, 1];
    const prior = gaussianVp.sde.prior.sample([0, n], [2], 3);
    const exact = exactFlow(prior.dataSync(), T, t0);
    const error = (tol: number, grid: readonly number[]): number =>
      momentError(expectNoLeaks(() => take(runSampler(rk45, gaussianVp, { grid, n, shape: [2], seed: 1, prior }, { rtol: tol, atol: tol }).samples)), exact);
    // measured (wasm): 2.5e-3, 3.9e-5, 1.4e-7 for 1e-3, 1e-5, 1e-7 on [t0, T] in one solve
    const errors = [1e-3, 1e-5, 1e-7].map((tol) => error(tol, [t0, T]));
    expect(errors[0]).toBeLessThan(1e-2);
    expect(errors[1]).toBeLessThan(1e-4);
    expect(errors[2]).toBeLessThan(2e-6);
    expect(errors[1]).toBeLessThan(errors[0]! / 10);
    // a finer reporting grid solves interval by interval to the same accuracy
    expect(error(1e-5, [t0, 0.3, 0.6, T])).toBeLessThan(1e-4);
    prior.dispose();
  });
});
