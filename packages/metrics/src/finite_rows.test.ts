import { describe, expect, it } from 'vitest';
import { finiteRows } from './finite_rows.js';

describe('finiteRows', () => {
  it('keeps the rows whose every coordinate is finite, in order, and counts the others', () => {
    const points = Float32Array.from([1, 2, Number.NaN, 3, 4, 5, 6, Number.POSITIVE_INFINITY, 7, 8]);
    const r = finiteRows(points, 2);
    expect(Array.from(r.points)).toEqual([1, 2, 4, 5, 7, 8]);
    expect(r.dropped).toBe(2);
    const three = finiteRows(Float32Array.from([1, 2, 3, 4, Number.NEGATIVE_INFINITY, 6]), 3);
    expect(Array.from(three.points)).toEqual([1, 2, 3]);
    expect(three.dropped).toBe(1);
  });

  it('returns the array itself when every row is finite, and an empty set when none is', () => {
    const points = Float32Array.from([1, 2, 3, 4]);
    expect(finiteRows(points, 2).points).toBe(points);
    expect(finiteRows(points, 2).dropped).toBe(0);
    const none = finiteRows(Float32Array.from([Number.NaN, 0]), 2);
    expect(none.points).toHaveLength(0);
    expect(none.dropped).toBe(1);
  });

  it('refuses a bad dim or a length that is not a multiple of it, naming the argument', () => {
    expect(() => finiteRows(new Float32Array(4), 0)).toThrow(/finiteRows: dim must be an integer >= 1, got 0/);
    expect(() => finiteRows(new Float32Array(5), 2)).toThrow(/points.length must be a multiple of dim = 2, got 5/);
  });
});
