import { describe, expect, it } from 'vitest';
import { fixedGrid } from '@diffflow/sde-core';
import { nearestIndex, timeView } from './time_view.js';

const grid = (steps: number): number[] => [...fixedGrid({ steps, tMin: 1e-3, tMax: 0.05, beta: 0.9 })];

describe('timeView', () => {
  it('with sampler steps ≠ N the slider walks the finer grid and both panels reach T at its end', () => {
    const forward = grid(10);
    const backward = grid(100);
    const end = timeView(forward, backward, 1e9);
    expect(end).toMatchObject({ index: 100, max: 100, forward: 10, backward: 100 });
    expect(end.t).toBeCloseTo(0.05, 12);
    const start = timeView(forward, backward, -3);
    expect(start).toMatchObject({ index: 0, forward: 0, backward: 0 });
    expect(start.t).toBeCloseTo(1e-3, 12);
    // half-way along the sampler's grid the forward panel is at its own nearest time
    const mid = timeView(forward, backward, 50);
    expect(Math.abs((forward[mid.forward] as number) - (mid.t as number))).toBeLessThanOrEqual(Math.abs((forward[mid.forward + 1] as number) - (mid.t as number)));
  });

  it('also when the training grid is the finer one, and without grids', () => {
    const v = timeView(grid(30), grid(3), 30);
    expect(v).toMatchObject({ max: 30, forward: 30, backward: 3 });
    expect(timeView([], [], 5)).toEqual({ index: 0, max: 0, t: null, forward: 0, backward: 0 });
  });

  it('nearestIndex picks the closest time', () => {
    expect(nearestIndex([0, 1, 2], 1.4)).toBe(1);
    expect(nearestIndex([0, 1, 2], 1.6)).toBe(2);
    expect(nearestIndex([], 3)).toBe(0);
  });
});
