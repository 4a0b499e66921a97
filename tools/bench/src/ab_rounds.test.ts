import { describe, expect, it } from 'vitest';
import { interleavedAb, roundRatios, spread } from './ab_rounds.js';

describe('interleaved A/B rounds', () => {
  it('alternates the order round by round and times every unit', () => {
    const calls: string[] = [];
    const t = interleavedAb(3, (k, round) => void calls.push(`${k}@${round}`));
    expect(calls).toEqual(['0@0', '1@0', '1@1', '0@1', '0@2', '1@2']);
    expect(t.wall.map((w) => w.length)).toEqual([3, 3]);
    expect(t.cpu.map((c) => c.length)).toEqual([3, 3]);
    expect(t.wall.flat().every((v) => v >= 0)).toBe(true);
  });

  it("runs what a unit returns after the unit's timing", () => {
    const calls: string[] = [];
    interleavedAb(1, (k) => {
      calls.push(`run ${k}`);
      return () => void calls.push(`after ${k}`);
    });
    expect(calls).toEqual(['run 0', 'after 0', 'run 1', 'after 1']);
  });

  it('summarises as median (min–max) and per-round ratios B ÷ A', () => {
    expect(spread([3, 1, 2], 1)).toBe('2.0 (1.0–3.0)');
    expect(spread([0.5, 0.25, 1], 3, 2)).toBe('0.500 (0.25–1.00)');
    expect(roundRatios([[2, 4], [1, 8]])).toEqual([0.5, 2]);
  });
});
