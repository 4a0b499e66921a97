import { describe, expect, it } from 'vitest';
import { columnMeans, columnStds, gatherRows } from './matrix.js';

describe('gatherRows', () => {
  it('copies the rows asked for, in that order, and refuses rows outside the matrix', () => {
    const m = { data: Float32Array.of(0, 1, 2, 3, 4, 5), rows: 3, cols: 2 };
    expect(Array.from(gatherRows(m, [2, 0]))).toEqual([4, 5, 0, 1]);
    expect(Array.from(gatherRows(m, []))).toEqual([]);
    expect(() => gatherRows(m, [3])).toThrow(/row 3 is outside 0…2/);
    expect(() => gatherRows(m, [-1])).toThrow(RangeError);
  });
});

describe('columnMeans, columnStds', () => {
  it('are the per-column mean and the standard deviation with ddof 0 (population) or 1', () => {
    const m = { data: Float64Array.of(1, 10, 3, 10, 5, 16, 7, 4), rows: 4, cols: 2 };
    const mean = columnMeans(m);
    expect(Array.from(mean)).toEqual([4, 10]);
    const [s0, s1] = columnStds(m, 0, mean);
    expect(s0).toBeCloseTo(Math.sqrt(5), 12);
    expect(s1).toBeCloseTo(Math.sqrt(18), 12);
    expect(columnStds(m, 1)[0]).toBeCloseTo(Math.sqrt(20 / 3), 12);
  });
});
