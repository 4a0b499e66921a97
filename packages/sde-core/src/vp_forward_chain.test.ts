import { describe, expect, it } from 'vitest';
import { fixedGrid, vpBeta, vpForwardChain, vpMarginal, vpSchedule } from './index.js';

describe('vpForwardChain: the Euler–Maruyama chain of the VP SDE in closed form', () => {
  const schedule = vpSchedule({ betaMin: 0.1, betaMax: 20 });

  it('one step is x_1 = (1 − ½βΔt)x_0 + √(βΔt)ξ; no step leaves x_0 as it is', () => {
    const b = vpBeta(schedule, 0.2);
    const one = vpForwardChain(schedule, [0.2, 0.3]);
    expect(one.meanCoefficient).toBeCloseTo(1 - 0.05 * b, 12);
    expect(one.variance).toBeCloseTo(0.1 * b, 12);
    expect(one.maxStep).toBe(0);
    expect(one.maxStepVariance).toBeCloseTo(0.1 * b, 12); // (t + Δt − t)·β: Δt in floating point
    expect(vpForwardChain(schedule, [0.5])).toEqual({ meanCoefficient: 1, variance: 0, maxStepVariance: 0, maxStep: 0 });
  });

  it('is exact on fine grids and overshoots N(0, I) on coarse ones', () => {
    // 2000 uniform steps: the chain's moments approach the SDE's m(1) ≈ 6.7e-3 and σ(1)² ≈ 1 (Euler bias O(Δt))
    const fine = vpForwardChain(schedule, fixedGrid({ steps: 2000, tMin: 0, tMax: 1, beta: 1 }));
    const exact = vpMarginal(schedule, 1);
    expect(Math.abs(fine.meanCoefficient - exact.meanCoefficient)).toBeLessThan(2e-3);
    expect(Math.abs(fine.variance - exact.std ** 2)).toBeLessThan(1e-2);
    // N = 10 uniform in t^0.5 on [1e-3, 1]: the last step, β(0.81)·0.18 ≈ 3, overshoots
    const coarse = vpForwardChain(schedule, fixedGrid({ steps: 10, tMin: 1e-3, tMax: 1, beta: 0.5 }));
    expect(coarse.maxStep).toBe(9);
    expect(coarse.maxStepVariance).toBeGreaterThan(2.9);
    expect(coarse.maxStepVariance).toBeLessThan(3.1);
    expect(coarse.variance).toBeGreaterThan(3.4);
    expect(coarse.variance).toBeLessThan(3.7);
  });
});
