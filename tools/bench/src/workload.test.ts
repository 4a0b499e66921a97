import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { startWorkload, type WorkloadJob } from './workload.js';

const job: WorkloadJob = { what: 'adjoint', batch: 6, steps: 3, parallel: false, workers: null, chunkRows: null, hidden: 8 };

describe('startWorkload with rows', () => {
  it('trains on exactly its rows of the batch: the halves’ first losses average to the whole batch’s', async () => {
    const before = tf.memory().numTensors;
    const first = async (j: WorkloadJob): Promise<number> => {
      const w = await startWorkload(j);
      try {
        return await w.iteration(7); // the first iteration's loss is the fresh model's (Adam steps after the gradients)
      } finally {
        await w.dispose();
      }
    };
    const whole = await first(job);
    const lower = await first({ ...job, rows: [0, 2] });
    const upper = await first({ ...job, rows: [2, 6] });
    // a mean over rows: 2/6 of the first part, 4/6 of the second (float32 sums: a relative 1e-5)
    expect((2 * lower + 4 * upper) / 6).toBeCloseTo(whole, 4);
    expect(Math.abs((2 * lower + 4 * upper) / 6 - whole)).toBeLessThan(1e-5 * Math.abs(whole));
    // other rows are other noise and data: not the same loss
    expect(lower).not.toBeCloseTo(upper, 3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses rows outside the batch, and rows for a parallel or sampling job, naming them', async () => {
    await expect(startWorkload({ ...job, rows: [0, 7] })).rejects.toThrow(/rows must be integers with 0 ≤ start < end ≤ batch \(6\), got \[0, 7\)/);
    await expect(startWorkload({ ...job, rows: [3, 3] })).rejects.toThrow(RangeError);
    await expect(startWorkload({ ...job, rows: [0, 3], parallel: true })).rejects.toThrow(/not a parallel 'adjoint' job/);
    await expect(startWorkload({ ...job, what: 'sample', rows: [0, 3] })).rejects.toThrow(/not a 'sample' job/);
  });
});
