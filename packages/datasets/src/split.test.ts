import { describe, expect, it } from 'vitest';
import { seededPermutation, splitIndices } from './split.js';

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

});
