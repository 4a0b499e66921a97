import { describe, expect, it } from 'vitest';
import { median } from './stats.js';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('throws on an empty list', () => {
    expect(() => median([])).toThrow(/values must not be empty/);
  });
});
