import { describe, expect, it } from 'vitest';
import { gatherRows } from './matrix.js';

describe('gatherRows', () => {
  it('copies the rows asked for, in that order, and refuses rows outside the matrix', () => {
    const m = { data: Float32Array.of(0, 1, 2, 3, 4, 5), rows: 3, cols: 2 };
    expect(Array.from(gatherRows(m, [2, 0]))).toEqual([4, 5, 0, 1]);
    expect(Array.from(gatherRows(m, []))).toEqual([]);
    expect(() => gatherRows(m, [3])).toThrow(/row 3 is outside 0…2/);
    expect(() => gatherRows(m, [-1])).toThrow(RangeError);
  });
});
