import { describe, expect, it } from 'vitest';
import { blocksOf, paceAgainstStart } from './train_blocks.js';

describe('train_blocks', () => {
  it('splits a run into blocks (the last one short) with their medians, tenth percentiles and last lr', () => {
    const records = Array.from({ length: 7 }, (_, i) => ({ ms: 10 * (i + 1), lr: i < 4 ? 0.01 : 0.005 }));
    const blocks = blocksOf(records, 3);
    expect(blocks.map((b) => [b.start, b.end])).toEqual([[0, 3], [3, 6], [6, 7]]);
    expect(blocks.map((b) => b.medianMs)).toEqual([20, 50, 70]);
    expect(blocks.map((b) => b.p10Ms)).toEqual([10, 40, 70]);
    expect(blocks.map((b) => b.lr)).toEqual([0.01, 0.005, 0.005]);
  });

  it('measures every block against the median of the first iterations', () => {
    const records = [100, 100, 100, 100, 105, 109, 130, 130].map((ms) => ({ ms, lr: 0.01 }));
    const { baseMs, ratios } = paceAgainstStart(records, blocksOf(records, 2), 4);
    expect(baseMs).toBe(100);
    expect(ratios).toEqual([1, 1, 1.07, 1.3]);
  });
});
