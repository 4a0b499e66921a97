import { describe, expect, it } from 'vitest';
import { strokesToPoints } from './drawing.js';

describe('strokesToPoints', () => {
  it('resamples a segment at even spacing, end points included', () => {
    const p = strokesToPoints([[[0, 0], [1, 0]]], 0.25);
    expect(Array.from(p)).toEqual([0, 0, 0.25, 0, 0.5, 0, 0.75, 0, 1, 0]);
  });

  it('keeps a lone click as one point and concatenates strokes', () => {
    const p = strokesToPoints([[[2, 3]], [[0, 0], [0, 1]]], 0.5);
    expect(Array.from(p)).toEqual([2, 3, 0, 0, 0, 0.5, 0, 1]);
  });

  it('gives length / spacing points (+1) on a closed polyline', () => {
    const square: [number, number][] = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]];
    expect(strokesToPoints([square], 0.1).length / 2).toBe(1 + 4 * 10);
  });

  it('refuses a spacing ≤ 0 and non-finite points, naming them', () => {
    expect(() => strokesToPoints([[[0, 0]]], 0)).toThrow(/spacing/);
    expect(() => strokesToPoints([[[0, 0], [Number.NaN, 1]]], 1)).toThrow(/finite/);
  });
});
