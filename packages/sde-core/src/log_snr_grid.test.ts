import { describe, expect, it } from 'vitest';
import { logSnrGrid } from './log_snr_grid.js';
import { vpSde, subVpSde } from './vp_sde.js';
import { veSde } from './ve_sde.js';
import { diffflowSde } from './diffflow_sde.js';
import { constantDiffusion } from './diffusion.js';
import { linearDrift, type Sde } from './sde.js';

const lambdaOf = (sde: Sde, t: number): number => {
  const m = (sde.marginal as NonNullable<Sde['marginal']>)(t);
  return Math.log(m.meanScale / m.std);
};

describe('logSnrGrid', () => {
  it('solves the closed form of the VP SDE: B(t) = ∫β = log(1 + e^{−2λ}), a quadratic in t', () => {
    const [b0, b1] = [0.1, 20];
    const sde = vpSde({ betaMin: b0, betaMax: b1, steps: 1000 });
    const integral = (t: number): number => b0 * t + 0.5 * (b1 - b0) * t * t;
    const grid = logSnrGrid(sde, { steps: 8, tMin: 1e-3, tMax: 1 });
    const l0 = -0.5 * Math.log(Math.expm1(integral(1e-3)));
    const l1 = -0.5 * Math.log(Math.expm1(integral(1)));
    grid.forEach((t, i) => {
      const B = Math.log1p(Math.exp(-2 * (l0 + (i / 8) * (l1 - l0))));
      const a = 0.5 * (b1 - b0);
      expect(t).toBeCloseTo((-b0 + Math.sqrt(b0 * b0 + 4 * a * B)) / (2 * a), 9);
    });
    expect(grid[0]).toBe(1e-3);
    expect(grid[8]).toBe(1);
  });

  it.each([
    ['VP', vpSde()],
    ['sub-VP', subVpSde()],
    ['VE', veSde({ sigmaMin: 0.01, sigmaMax: 50 })],
  ] as const)('spaces the %s SDE uniformly in λ, with short steps near the data', (_, sde) => {
    const grid = logSnrGrid(sde, { steps: 10, tMin: 1e-3, tMax: 1 });
    expect(grid).toHaveLength(11);
    const lambdas = grid.map((t) => lambdaOf(sde, t));
    const step = (lambdas[10] as number) - (lambdas[0] as number);
    lambdas.slice(1).forEach((l, i) => expect(l - (lambdas[i] as number)).toBeCloseTo(step / 10, 8));
    expect((grid[1] as number) - (grid[0] as number)).toBeLessThan((grid[10] as number) - (grid[9] as number));
  });

  it('is one step from tMin to tMax at N = 1', () => {
    expect(logSnrGrid(vpSde(), { steps: 1, tMin: 0.01, tMax: 0.5 })).toEqual([0.01, 0.5]);
  });

  it('refuses an SDE without a closed-form marginal, naming it', () => {
    const sde = diffflowSde({ drift: linearDrift(() => 0), diffusion: constantDiffusion(1), interval: [0, 1] });
    expect(() => logSnrGrid(sde, { steps: 4, tMin: 0.01, tMax: 1 })).toThrow(/no closed-form marginal/);
  });

  it('names the argument out of range', () => {
    expect(() => logSnrGrid(vpSde(), { steps: 0, tMin: 0.01, tMax: 1 })).toThrow(/steps must be an integer ≥ 1, got 0/);
    expect(() => logSnrGrid(vpSde(), { steps: 4, tMin: 0, tMax: 1 })).toThrow(/tMin must be where σ\(t\) > 0/);
    expect(() => logSnrGrid(vpSde(), { steps: 4, tMin: 0.5, tMax: 0.5 })).toThrow(/finite tMin < tMax/);
    expect(() => logSnrGrid(vpSde(), { steps: 4, tMin: 0.01, tMax: 2 })).toThrow(/inside the SDE's interval \[0, 1\]/);
  });
});
