import { describe, expect, it } from 'vitest';
import { fixedGrid, flexibleGrid, flexibleGridAt, stepSizes, checkGridSpec } from './grid.js';

const spec = { steps: 30, tMin: 1e-3, tMax: 0.05, beta: 0.9 };

describe('fixedGrid', () => {
  it('has exact end points and N + 1 increasing points', () => {
    const g = fixedGrid(spec);
    expect(g).toHaveLength(31);
    expect(g[0]).toBe(1e-3);
    expect(g[30]).toBe(0.05);
    for (let i = 1; i < g.length; i++) expect(g[i]!).toBeGreaterThan(g[i - 1]!);
  });

  it('is uniform in t^β, so with β < 1 the steps grow toward T', () => {
    const g = fixedGrid(spec);
    const warped = g.map((t) => t ** 0.9);
    const d = stepSizes(warped);
    for (const v of d) expect(v).toBeCloseTo(d[0]!, 12);
    const dt = stepSizes(g);
    for (let i = 1; i < dt.length; i++) expect(dt[i]!).toBeGreaterThan(dt[i - 1]!);
  });

  it('matches a hand computation for N = 2, β = 0.5', () => {
    // t^0.5 uniform between 0 and 1: 0, 0.5², 1
    expect(fixedGrid({ steps: 2, tMin: 0, tMax: 1, beta: 0.5 })).toEqual([0, 0.25, 1]);
  });

  it('names the field that is out of range', () => {
    expect(() => fixedGrid({ ...spec, steps: 0 })).toThrow(/steps must be an integer ≥ 1/);
    expect(() => fixedGrid({ ...spec, tMax: 0 })).toThrow(/tMax \(T\)/);
    expect(() => fixedGrid({ ...spec, beta: 0 })).toThrow(/beta must be/);
    expect(() => checkGridSpec({ ...spec, tMin: -1 })).toThrow(/tMin/);
  });
});

describe('flexibleGrid', () => {
  it('keeps the end points and puts point i inside cell i of the N-point warped grid', () => {
    const n = 7;
    const s = { ...spec, steps: n };
    const cells = fixedGrid({ ...s, steps: n - 1 }); // N points: n − 1 cells
    for (let iteration = 0; iteration < 20; iteration++) {
      const g = flexibleGridAt(s, 42, iteration);
      expect(g).toHaveLength(n + 1);
      expect(g[0]).toBe(s.tMin);
      expect(g[n]).toBe(s.tMax);
      for (let i = 1; i < n; i++) {
        expect(g[i]!).toBeGreaterThanOrEqual(cells[i - 1]!);
        expect(g[i]!).toBeLessThanOrEqual(cells[i]!);
      }
      for (let i = 1; i <= n; i++) expect(g[i]!).toBeGreaterThan(g[i - 1]!);
    }
  });

  it('is re-drawn per iteration and replayed for the same iteration', () => {
    expect(flexibleGridAt(spec, 1, 5)).toEqual(flexibleGridAt(spec, 1, 5));
    expect(flexibleGridAt(spec, 1, 5)).not.toEqual(flexibleGridAt(spec, 1, 6));
  });

  it('maps u to the warped position inside the cell', () => {
    // N = 2: one interior point in the single cell [0, 1] of a 2-point grid, uniform in t^0.5
    expect(flexibleGrid({ steps: 2, tMin: 0, tMax: 1, beta: 0.5 }, [0.5])[1]).toBeCloseTo(0.25, 12);
    expect(flexibleGrid({ steps: 1, tMin: 0, tMax: 1, beta: 1 }, [])).toEqual([0, 1]);
    expect(() => flexibleGrid(spec, [0.5])).toThrow(/needs steps − 1 = 29 uniforms/);
  });
});
