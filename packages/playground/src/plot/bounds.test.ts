import { describe, expect, it } from 'vitest';
import { squareBounds } from './bounds.js';

describe('squareBounds', () => {
  it('is square, centred, and adds the margin of the larger range', () => {
    const b = squareBounds(Float32Array.from([0, 0, 4, 1]), 0.1);
    expect(b[1] - b[0]).toBeCloseTo(4.8, 6);
    expect(b[3] - b[2]).toBeCloseTo(4.8, 6);
    expect(0.5 * (b[0] + b[1])).toBeCloseTo(2, 6);
    expect(0.5 * (b[2] + b[3])).toBeCloseTo(0.5, 6);
  });

  it('skips non-finite rows and falls back to [−1, 1]² without points', () => {
    expect(squareBounds(Float32Array.from([Number.NaN, 1, 1, 1, -1, -1]), 0)).toEqual([-1, 1, -1, 1]);
    expect(squareBounds(new Float32Array(0))).toEqual([-1, 1, -1, 1]);
  });
});
