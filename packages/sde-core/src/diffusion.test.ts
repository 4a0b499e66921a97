import { describe, expect, it } from 'vitest';
import { constantDiffusion, functionalDiffusion, piecewiseDiffusion } from './diffusion.js';

describe('diffusion schedules', () => {
  it('constant', () => {
    expect(constantDiffusion(0.2)(0.013)).toBe(0.2);
    expect(() => constantDiffusion(-1)).toThrow(/g must be a finite number ≥ 0/);
  });
  it('piecewise linear between knots, constant outside', () => {
    const g = piecewiseDiffusion([0, 0.05, 0.1], [0.1, 0.5, 0.5]);
    expect(g(0.025)).toBeCloseTo(0.3, 12);
    expect(g(-1)).toBe(0.1);
    expect(g(0.07)).toBeCloseTo(0.5, 12);
    expect(g(2)).toBe(0.5);
    expect(() => piecewiseDiffusion([0, 0], [1, 1])).toThrow(/increasing/);
    expect(() => piecewiseDiffusion([0, 1], [1, -1])).toThrow(/values\[1\]/);
  });
  it('functional, checked where evaluated', () => {
    const g = functionalDiffusion((t) => Math.sqrt(0.1 + 19.9 * t));
    expect(g(0.5)).toBeCloseTo(Math.sqrt(10.05), 12);
    expect(() => functionalDiffusion(() => Number.NaN)(0)).toThrow(/finite/);
  });
});
