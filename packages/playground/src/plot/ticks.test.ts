import { describe, expect, it } from 'vitest';
import { niceStep, niceTicks, tickLabel } from './ticks.js';

describe('niceStep', () => {
  it('rounds span / target to 1, 2 or 5 × 10^k', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(8, 4)).toBe(2);
    expect(niceStep(1, 4)).toBe(0.2);
    expect(niceStep(300, 5)).toBe(50);
    expect(niceStep(0.07, 5)).toBeCloseTo(0.01, 12);
    expect(niceStep(9, 1)).toBe(10);
  });

  it('refuses an empty span or a target below 1', () => {
    expect(() => niceStep(0, 5)).toThrow(/span/);
    expect(() => niceStep(1, 0)).toThrow(/target/);
  });
});

describe('niceTicks', () => {
  it('covers a symmetric data range with round values', () => {
    expect(niceTicks(-4, 4)).toEqual([-4, -2, 0, 2, 4]);
    expect(niceTicks(-4.4, 4.4)).toEqual([-4, -2, 0, 2, 4]);
  });

  it('has no float noise and no −0', () => {
    const t = niceTicks(-0.3, 0.3, 6);
    expect(t).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
    expect(Object.is(t[3], 0)).toBe(true);
  });

  it('stays inside the range on an iteration axis', () => {
    const t = niceTicks(0, 137, 5);
    expect(t).toEqual([0, 20, 40, 60, 80, 100, 120]);
    for (const v of niceTicks(2.3, 9.1, 4)) {
      expect(v).toBeGreaterThanOrEqual(2.3);
      expect(v).toBeLessThanOrEqual(9.1);
    }
  });

  it('gives the single value for a degenerate range and refuses a reversed one', () => {
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(() => niceTicks(1, 0)).toThrow(/lo ≤ hi/);
  });
});

describe('tickLabel', () => {
  it('uses as many decimals as the step', () => {
    expect(tickLabel(2, 1)).toBe('2');
    expect(tickLabel(0.5, 0.5)).toBe('0.5');
    expect(tickLabel(0.25, 0.05)).toBe('0.25');
    expect(tickLabel(0, 0.1)).toBe('0');
  });

  it('switches to exponent form far from 1', () => {
    expect(tickLabel(250000, 50000)).toBe('2.5e5');
    expect(tickLabel(0.0002, 0.0001)).toBe('2.0e-4');
  });
});
