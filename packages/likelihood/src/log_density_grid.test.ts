import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { twoGaussians2d } from './ou_mixture.fixture.js';
import { logDensityGrid, logDensityGridPoints } from './log_density_grid.js';

const mixture = twoGaussians2d();

describe('logDensityGrid', () => {
  it('lays pixels out row-major from the top-left corner (x_min, y_max)', () => {
    const pts = logDensityGridPoints({ xRange: [-2, 2], yRange: [0, 1], resolution: [4, 2] });
    expect(Array.from(pts.subarray(0, 2))).toEqual([-1.5, 0.75]); // (r, c) = (0, 0)
    expect(Array.from(pts.subarray(6, 8))).toEqual([1.5, 0.75]); // (0, 3)
    expect(Array.from(pts.subarray(8, 10))).toEqual([-1.5, 0.25]); // (1, 0)
    expect(() => logDensityGridPoints({ xRange: [1, -1], yRange: [0, 1], resolution: 3 })).toThrow(/xRange must be finite with x_min < x_max/);
    expect(() => logDensityGridPoints({ xRange: [-1, 1], yRange: [0, 1], resolution: [0, 3] })).toThrow(/resolution \(width\) must be an integer ≥ 1/);
  });

  it('gives the closed-form log p_{t0} at every pixel centre (within 1e-2 nats, RK4 and RK45), and sums to ≈ 1 over a wide window', () => {
    const t0 = 1e-3;
    const picture = { xRange: [-3, 3], yRange: [-3, 3], resolution: [12, 10] } as const;
    const pts = logDensityGridPoints(picture);
    const prior = mixture.priorLogDensity(1);
    // measured max errors: RK4 N = 24 (β = 0.5) 3e-3, RK45 (tol 1e-5) 4e-3, both in the far tail (log p ≈ −26)
    for (const solver of [
      { grid: fixedGrid({ steps: 24, tMin: t0, tMax: 1, beta: 0.5 }), solver: 'rk4' },
      { grid: [t0, 1], solver: 'rk45' },
    ] as const) {
      const logp = expectNoLeaks(() => logDensityGrid(mixture.model, { ...picture, ...solver, priorLogDensity: prior, batchSize: 120 }));
      expect(logp).toHaveLength(120);
      let mass = 0;
      logp.forEach((v, k) => {
        expect(Math.abs(v - mixture.logDensity([pts[2 * k]!, pts[2 * k + 1]!], t0)), `${solver.solver} pixel ${k}`).toBeLessThan(1e-2);
        mass += Math.exp(v) * (6 / 12) * (6 / 10);
      });
      // midpoint rule on a 0.5 × 0.6 grid over a density with sd ≈ 0.5: only a rough check
      expect(Math.abs(mass - 1)).toBeLessThan(0.05);
    }
  });
});
