import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataBounds, logTickLabel, logTicks, niceStep, niceTicks, squareBounds, tickLabel } from './plot.js';

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

describe('dataBounds', () => {
  it('pads each span by 5% (0.5 around a zero span) and skips non-finite rows', () => {
    expect(dataBounds(Float32Array.from([0, 0, 10, 20]))).toEqual([-0.5, 10.5, -1, 21]);
    expect(dataBounds(Float32Array.from([2, 3]))).toEqual([1.5, 2.5, 2.5, 3.5]);
    expect(dataBounds(Float32Array.from([Number.NaN, 1]))).toEqual([-1, 1, -1, 1]);
  });
});

describe('logTicks / logTickLabel', () => {
  it('puts a tick at each decade, and at 2× and 5× over few decades', () => {
    expect(logTicks(0, 4)).toEqual([0, 1, 2, 3, 4]);
    const few = logTicks(0, 2).map((v) => Math.round(10 ** v));
    expect(few).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(() => logTicks(1, 0)).toThrow(/lo ≤ hi/);
  });

  it('labels plain numbers near 1 and exponents far from it', () => {
    expect(logTickLabel(0)).toBe('1');
    expect(logTickLabel(Math.log10(20))).toBe('20');
    expect(logTickLabel(-2)).toBe('0.01');
    expect(logTickLabel(6)).toBe('1e6');
    expect(logTickLabel(Math.log10(5e-5))).toBe('5e-5');
  });
});

describe('the ./plot entry point', () => {
  it('is browser-safe: it imports nothing', () => {
    const source = readFileSync(new URL('./plot.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\bBuffer\b|\bprocess\./);
  });
});
