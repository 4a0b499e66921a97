import { describe, expect, it } from 'vitest';
import { natsToBitsPerDim, summarizeNll } from './units.js';

describe('units', () => {
  it('converts nats per sample to nats/dim and bits/dim: bits/dim = nats / (D ln 2)', () => {
    expect(natsToBitsPerDim(10 * Math.LN2, 5)).toBeCloseTo(2, 12);
    const s = summarizeNll([1, 2, 3, 6], 2);
    expect(s.nats).toBe(3);
    expect(s.natsPerDim).toBe(1.5);
    expect(s.bitsPerDim).toBeCloseTo(1.5 / Math.LN2, 12);
    // sample sd of [1, 2, 3, 6] = √(14/3); se = sd / 2
    expect(s.standardError).toBeCloseTo(Math.sqrt(14 / 3) / 2, 12);
    expect(() => summarizeNll([1, Number.NaN], 2)).toThrow(/nll must be finite, got NaN at index 1/);
    expect(() => summarizeNll([], 2)).toThrow(/nll.length must be an integer ≥ 1/);
    expect(() => natsToBitsPerDim(1, 0)).toThrow(/dim must be an integer ≥ 1/);
  });
});
