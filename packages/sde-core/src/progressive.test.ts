import { describe, expect, it } from 'vitest';
import { progressiveSchedule } from './progressive.js';

describe('progressiveSchedule', () => {
  const s = progressiveSchedule({ steps: [5, 10, 20, 30], switchAt: [3000, 5000, 8000] });

  it('switches N exactly at the switch iterations', () => {
    expect(s.stepsAt(0)).toBe(5);
    expect(s.stepsAt(2999)).toBe(5);
    expect(s.stepsAt(3000)).toBe(10);
    expect(s.stepsAt(4999)).toBe(10);
    expect(s.stepsAt(5000)).toBe(20);
    expect(s.stepsAt(7999)).toBe(20);
    expect(s.stepsAt(8000)).toBe(30);
    expect(s.stepsAt(1e9)).toBe(30);
    expect(s.stageAt(5000)).toBe(2);
  });

  it('rejects inconsistent schedules, naming the field', () => {
    expect(() => progressiveSchedule({ steps: [5, 10], switchAt: [] })).toThrow(/switchAt must have/);
    expect(() => progressiveSchedule({ steps: [5, 0], switchAt: [10] })).toThrow(/steps\[1\]/);
    expect(() => progressiveSchedule({ steps: [5, 10, 20], switchAt: [10, 10] })).toThrow(/switchAt\[1\]/);
    expect(() => progressiveSchedule({ steps: [], switchAt: [] })).toThrow(/at least one N/);
  });
});
