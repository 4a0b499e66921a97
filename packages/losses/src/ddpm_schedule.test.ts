import { describe, expect, it } from 'vitest';
import { ddpmAlphaBars, ddpmBetas } from './ddpm_schedule.js';
import { defaultVpSchedule, vpBeta, vpIntegratedBeta, vpMarginal, vpSchedule } from '@diffflow/sde-core';

describe('vpSchedule', () => {
  it("defaults to score_sde's VPSDE and overrides field by field", () => {
    expect(vpSchedule()).toEqual({ betaMin: 0.1, betaMax: 20, steps: 1000 });
    expect(vpSchedule({ betaMax: 10, steps: 50 })).toEqual({ betaMin: 0.1, betaMax: 10, steps: 50 });
  });

  it('rejects bad fields with a RangeError naming the field', () => {
    expect(() => vpSchedule({ betaMin: 0 })).toThrow(RangeError);
    expect(() => vpSchedule({ betaMin: 0 })).toThrow(/betaMin must be a finite number > 0, got 0/);
    expect(() => vpSchedule({ betaMin: -1 })).toThrow(/betaMin/);
    expect(() => vpSchedule({ betaMin: 1, betaMax: 0.5 })).toThrow(/betaMax must be a finite number ≥ betaMin = 1, got 0.5/);
    expect(() => vpSchedule({ steps: 0 })).toThrow(/steps must be an integer ≥ 1, got 0/);
    expect(() => vpSchedule({ steps: 2.5 })).toThrow(/steps/);
    expect(() => vpMarginal({ betaMin: 0, betaMax: 1, steps: 1 }, 0.5)).toThrow(/betaMin/);
    expect(() => vpMarginal(defaultVpSchedule, -0.1)).toThrow(/t must be a finite number ≥ 0/);
    expect(() => ddpmAlphaBars(vpSchedule({ steps: 10 }), 'discrete')).toThrow(/betaMax \/ steps must be < 1/);
  });
});

describe('vpMarginal', () => {
  it('matches a hand computation', () => {
    // B(0.5) = 0.1·0.5 + ½·0.25·19.9 = 2.5375
    expect(vpIntegratedBeta(defaultVpSchedule, 0.5)).toBeCloseTo(2.5375, 12);
    expect(vpBeta(defaultVpSchedule, 0.5)).toBeCloseTo(10.05, 12);
    const m = vpMarginal(defaultVpSchedule, 0.5);
    expect(m.meanCoefficient).toBeCloseTo(Math.exp(-2.5375 / 2), 12);
    expect(m.std).toBeCloseTo(Math.sqrt(1 - Math.exp(-2.5375)), 12);
    expect(vpMarginal(defaultVpSchedule, 0)).toEqual({ meanCoefficient: 1, std: 0 });
  });

  it('preserves variance (m² + σ² = 1) and keeps σ accurate for tiny t', () => {
    for (const t of [1e-6, 1e-3, 0.1, 0.7, 1]) {
      const { meanCoefficient: m, std: s } = vpMarginal(defaultVpSchedule, t);
      expect(m * m + s * s).toBeCloseTo(1, 12);
    }
    // σ² = 1 − e^{−B} = B − B²/2 + O(B³); a naive 1 − exp(−B) would be off by ~1e-9 relative here
    const b = vpIntegratedBeta(defaultVpSchedule, 1e-6);
    expect(b).toBeCloseTo(1e-7 * (1 + 9.95e-5), 18);
    expect(Math.abs(vpMarginal(defaultVpSchedule, 1e-6).std ** 2 / (b - (b * b) / 2) - 1)).toBeLessThan(1e-12);
  });
});

describe('ddpmAlphaBars', () => {
  it("'discrete' is Ho et al.'s linear β_k: 1e-4 … 0.02 for K = 1000", () => {
    const betas = ddpmBetas(defaultVpSchedule, 'discrete');
    expect(betas).toHaveLength(1000);
    expect(betas[0]).toBeCloseTo(1e-4, 12);
    expect(betas[999]).toBeCloseTo(0.02, 12);
    expect((betas[500] as number) - (betas[499] as number)).toBeCloseTo((0.02 - 1e-4) / 999, 12);
    const alphaBars = ddpmAlphaBars(defaultVpSchedule, 'discrete');
    expect(alphaBars[0]).toBe(1);
    expect(alphaBars[2]).toBeCloseTo((1 - 1e-4) * (1 - (1e-4 + (0.02 - 1e-4) / 999)), 12);
  });

  it("'continuous' is the SDE marginal at t_k = k / K, and the two agree to within 7 % (K = 1000)", () => {
    const cont = ddpmAlphaBars(defaultVpSchedule, 'continuous');
    const disc = ddpmAlphaBars(defaultVpSchedule, 'discrete');
    for (const k of [1, 10, 250, 500, 1000]) {
      expect(cont[k]).toBeCloseTo(vpMarginal(defaultVpSchedule, k / 1000).meanCoefficient ** 2, 12);
      expect(Math.abs(Math.log((disc[k] as number) / (cont[k] as number)))).toBeLessThan(0.07);
    }
  });
});
