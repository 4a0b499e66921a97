import { describe, expect, it } from 'vitest';
import { classCoverage } from './coverage.js';

describe('classCoverage', () => {
  it('counts each class; equal counts give entropy log(classes), fraction 1, all present', () => {
    const labels = Array.from({ length: 50 }, (_, k) => k % 10);
    const c = classCoverage(labels);
    expect(c.counts).toEqual(new Array(10).fill(5));
    expect(c.entropy).toBeCloseTo(Math.log(10), 12);
    expect(c.entropyFraction).toBeCloseTo(1, 12);
    expect(c.allClassesPresent).toBe(true);
    expect(c.missing).toEqual([]);
  });

  it('one class: entropy 0, the others missing; two equal classes: log 2 nats', () => {
    const one = classCoverage(new Int32Array([3, 3, 3]));
    expect([one.entropy, one.entropyFraction, one.allClassesPresent]).toEqual([0, 0, false]);
    expect(one.missing).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    const two = classCoverage([0, 1, 0, 1], 4);
    expect(two.entropy).toBeCloseTo(Math.log(2), 12);
    expect(two.entropyFraction).toBeCloseTo(0.5, 12);
    expect(two.missing).toEqual([2, 3]);
  });

  it('is −Σ p log p for uneven counts', () => {
    const c = classCoverage([0, 0, 0, 1], 2);
    expect(c.entropy).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
    expect(c.n).toBe(4);
  });

  it('names labels (empty, out of range) and classes', () => {
    expect(() => classCoverage([])).toThrow(/labels must hold at least one label/);
    expect(() => classCoverage([0, 10])).toThrow(/labels\[1\] = 10 is outside 0 … 9/);
    expect(() => classCoverage([0, 1.5], 3)).toThrow(/labels\[1\] = 1.5/);
    expect(() => classCoverage([0], 1)).toThrow(/classes must be an integer ≥ 2, got 1/);
  });
});
