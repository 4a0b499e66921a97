import { describe, expect, it } from 'vitest';
import { seededPermutation, seededRows, splitIndices } from './split.js';

describe('splits', () => {
  it('seededPermutation is a permutation, reproducible, and seed-dependent', () => {
    const p = seededPermutation(1000, 5);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(seededPermutation(1000, 5)).toEqual(p);
    expect(seededPermutation(1000, 6)).not.toEqual(p);
  });

  it('splitIndices: disjoint, covering, of the requested size (count or fraction)', () => {
    const s = splitIndices(100, { heldOut: 0.2, seed: 1 });
    expect(s.heldOut).toHaveLength(20);
    expect(s.train).toHaveLength(80);
    const all = new Set([...s.train, ...s.heldOut]);
    expect(all.size).toBe(100);
    expect(splitIndices(100, { heldOut: 20, seed: 1 })).toEqual(s);
    expect(() => splitIndices(10, { heldOut: 11, seed: 1 })).toThrow(/heldOut must be a count in \[0, 10\]/);
  });


  it('seededRows: all rows when k ≥ n, else k distinct sorted rows that depend on the seed', () => {
    expect(Array.from(seededRows(5, 9, 0, 'p'))).toEqual([0, 1, 2, 3, 4]);
    const a = Array.from(seededRows(100, 10, 1, 'p'));
    expect(new Set(a).size).toBe(10);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(a).toEqual(Array.from(seededPermutation(100, 1, 'p').slice(0, 10)).sort((x, y) => x - y));
    expect(Array.from(seededRows(100, 10, 1, 'p'))).toEqual(a);
    expect(Array.from(seededRows(100, 10, 2, 'p'))).not.toEqual(a);
  });
});
