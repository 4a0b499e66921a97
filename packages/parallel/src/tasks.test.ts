import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { taskWorker } from './tasks.js';
import { tasksModule } from './task.fixture.js';

describe('taskWorker', () => {
  it("runs a module's exported functions in a worker on the caller's backend, in order, and names a failing task", async () => {
    const worker = await taskWorker();
    try {
      const [a, b] = await Promise.all([
        worker.run<{ sums: number[]; backend: string }>({ module: tasksModule, name: 'rowSums' }, [
          [1, 2],
          [3, 4],
        ]),
        worker.run<{ sums: number[]; backend: string }>({ module: tasksModule, name: 'rowSums' }, [[5, 6, 7]]),
      ]);
      expect(a).toEqual({ sums: [3, 7], backend: tf.getBackend() });
      expect(b.sums).toEqual([18]);
      await expect(worker.run({ module: tasksModule, name: 'refuses' }, 'no')).rejects.toThrow(/^dataParallel worker \d+, task 'refuses' of .*task\.fixture\.ts: refused: no$/);
      await expect(worker.run({ module: tasksModule, name: 'missing' })).rejects.toThrow(/task 'missing' of .*: .*exports no function 'missing'/);
      // still usable after a task failed
      expect((await worker.run<{ sums: number[] }>({ module: tasksModule, name: 'rowSums' }, [[1]])).sums).toEqual([1]);
    } finally {
      await worker.dispose();
    }
    await expect(worker.run({ module: tasksModule, name: 'rowSums' }, [[1]])).rejects.toThrow(/disposed/);
  }, 60_000);
});
