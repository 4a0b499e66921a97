import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { twoGaussians2d } from './ou_mixture.fixture.js';
import { logDensityGrid, logDensityGridPoints } from './log_density_grid.js';
import { dataLogDensityGrid } from './data_log_density_grid.js';

const mixture = twoGaussians2d();

// A normaliser-like map y = (x·s − m) / σ per coordinate, in float32 like datasets' `normalize`.
const scale = 0.4;
const mean = [0.3, -0.2];
const std = [0.5, 0.8];
const toModel = (x: Float32Array): Float32Array => x.map((v, k) => (v * scale - (mean[k % 2] as number)) / (std[k % 2] as number));
const logDet = Math.log(scale / (std[0] as number)) + Math.log(scale / (std[1] as number));

const t0 = 1e-3;
const grid = fixedGrid({ steps: 24, tMin: t0, tMax: 1, beta: 0.5 });
const prior = mixture.priorLogDensity(1);
// a box in data coordinates whose image is about [−3.4, 3.4] × [−2.1, 2.4] in the model's
const bounds = [-3.5, 5, -4, 5] as const;

describe('dataLogDensityGrid', () => {
  it('is logDensityGrid on the mapped box plus logDet, bit for bit, and frees its tensors', () => {
    const picture = { resolution: [9, 7], grid, solver: 'rk4', priorLogDensity: prior } as const;
    const got = expectNoLeaks(() => dataLogDensityGrid(mixture.model, { ...picture, bounds, toModel, logDet }));
    const c = toModel(Float32Array.of(bounds[0], bounds[2], bounds[1], bounds[3]));
    const want = logDensityGrid(mixture.model, { ...picture, xRange: [c[0]!, c[2]!], yRange: [c[1]!, c[3]!] }).map((v) => v + logDet);
    expect(got).toEqual(want);
  });

  it('gives the closed form log p_y(T(x)) + log|det ∂y/∂x| at the data-space pixel centres (within 1e-2 nats), and p_x integrates to ≈ 1 over the data box', () => {
    const [w, h] = [12, 10];
    const got = dataLogDensityGrid(mixture.model, { bounds, toModel, logDet, resolution: [w, h], grid, solver: 'rk4', priorLogDensity: prior });
    const centres = toModel(logDensityGridPoints({ xRange: [bounds[0], bounds[1]], yRange: [bounds[2], bounds[3]], resolution: [w, h] }));
    const pixelArea = ((bounds[1] - bounds[0]) / w) * ((bounds[3] - bounds[2]) / h);
    let mass = 0;
    got.forEach((v, k) => {
      // measured max error 3e-3 (RK4, N = 24, β = 0.5), as logDensityGrid's own test
      expect(Math.abs(v - (mixture.logDensity([centres[2 * k]!, centres[2 * k + 1]!], t0) + logDet)), `pixel ${k}`).toBeLessThan(1e-2);
      mass += Math.exp(v) * pixelArea;
    });
    // midpoint rule at 0.7 × 0.9 data units per pixel (0.57 × 0.45 model units): a rough check
    expect(Math.abs(mass - 1)).toBeLessThan(0.05);
  });

  it('throws a RangeError naming what is wrong, before any tensor is made', () => {
    const o = { bounds, toModel, logDet, resolution: 3, grid, solver: 'rk4' } as const;
    const fails = (patch: Partial<Parameters<typeof dataLogDensityGrid>[1]>): (() => unknown) => () => expectNoLeaks(() => dataLogDensityGrid(mixture.model, { ...o, ...patch }));
    expect(fails({ bounds: [1, -1, 0, 1] })).toThrow(RangeError);
    expect(fails({ bounds: [1, -1, 0, 1] })).toThrow(/dataLogDensityGrid: bounds must be finite \[x_min, x_max, y_min, y_max\] with x_min < x_max and y_min < y_max, got \[1, -1, 0, 1\]/);
    expect(fails({ bounds: [0, 1, 0, Number.NaN] })).toThrow(/bounds must be finite/);
    expect(fails({ logDet: Number.POSITIVE_INFINITY })).toThrow(/dataLogDensityGrid: logDet must be finite, got Infinity/);
    expect(fails({ toModel: (x) => x.subarray(0, 4) })).toThrow(/toModel must map \[n, 2\] points to \[n, 2\]; it returned 4 numbers for 5 points/);
    // a negative slope in y flips the box
    expect(fails({ toModel: (x) => x.map((v, k) => (k % 2 === 0 ? v : -v)) })).toThrow(/toModel must be increasing in each coordinate/);
    // increasing but not affine (x ↦ x³), and affine but mixing the coordinates (a shear): pixel centres would not map to pixel centres
    expect(fails({ toModel: (x) => x.map((v) => v ** 3) })).toThrow(/toModel must be affine in each coordinate separately/);
    expect(fails({ toModel: (x) => x.map((v, k) => (k % 2 === 0 ? v + 0.5 * (x[k + 1] as number) : v)) })).toThrow(/toModel must be affine in each coordinate separately/);
    // logDensityGrid's own checks still apply
    expect(fails({ resolution: 0 })).toThrow(/resolution \(width\) must be an integer ≥ 1/);
  });
});
