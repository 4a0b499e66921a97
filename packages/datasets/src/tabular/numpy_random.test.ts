import { describe, expect, it } from 'vitest';
import { NumpyRandomState } from './numpy_random.js';

// Reference values printed by numpy 2.4 (legacy RandomState):
//   RandomState(42).rand(3)
//   a = arange(20.).reshape(10, 2); r = RandomState(42); r.shuffle(a); a[:, 0]; r.rand(2)
describe('NumpyRandomState', () => {
  it('rand matches numpy bit for bit', () => {
    expect(Array.from(new NumpyRandomState(42).rand(3))).toEqual([0.3745401188473625, 0.9507143064099162, 0.7319939418114051]);
  });

  it('shuffle of rows, then rand, match numpy', () => {
    const r = new NumpyRandomState(42);
    const a = Float64Array.from({ length: 20 }, (_, i) => i);
    r.shuffleRows(a, 10, 2);
    expect(Array.from(a).filter((_, i) => i % 2 === 0)).toEqual([16, 2, 10, 0, 14, 4, 18, 8, 6, 12]);
    expect(Array.from(a).filter((_, i) => i % 2 === 1)).toEqual([17, 3, 11, 1, 15, 5, 19, 9, 7, 13]);
    expect(Array.from(r.rand(2))).toEqual([0.15599452033620265, 0.05808361216819946]);
  });

  it('interval stays in [0, max]', () => {
    const r = new NumpyRandomState(1);
    for (let k = 0; k < 1000; k++) {
      const v = r.interval(6);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(6);
    }
    expect(() => new NumpyRandomState(-1)).toThrow(/seed must be an integer/);
  });
});
