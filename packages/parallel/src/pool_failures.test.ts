import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedGrid, type DiffusionModel } from '@diffflow/sde-core';
import { modelFromSpec, type ModelSpec } from '@diffflow/networks';
import { dataParallel } from './pool.js';
import { failingSamplersModule } from './failing_sampler.fixture.js';

const spec: ModelSpec = {
  sde: { kind: 'diffflow', drift: { kind: 'fourierMlp', options: { dim: 2, hidden: 8, layers: 1, seed: 1, name: 'drift' } }, diffusion: { kind: 'constant', value: 0.2 } },
  score: { kind: 'fourierMlp', options: { dim: 2, hidden: 8, layers: 1, seed: 2, name: 'score' } },
};
const grid = fixedGrid({ steps: 4, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
/** OS threads of this process (Linux): every worker thread is one; undefined elsewhere. */
const threadCount = (): number | undefined => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined);

describe('dataParallel when a worker fails', () => {
  let model: DiffusionModel;
  beforeAll(() => {
    model = modelFromSpec(spec);
  });
  afterAll(() => {
    model.sde.drift.dispose();
    model.score.dispose();
  });

  it("surfaces a worker's error naming the worker and the task, and stays usable", async () => {
    const pool = await dataParallel({ spec, strategy: 'naive', workers: 2, localShard: false });
    try {
      const failing = pool.sample(model, { n: 6, grid, seed: 1, sampler: { name: 'throws-in-worker', module: failingSamplersModule } });
      await expect(failing).rejects.toThrow(/^dataParallel worker \d+, task 'sample' of rows \[0, 3\): the sampler refused$/);
      const ok = await pool.sample(model, { n: 6, grid, seed: 1 });
      expect(ok.shape).toEqual([6, 2]);
      ok.dispose();
    } finally {
      await pool.dispose();
    }
  }, 60_000);

  it('shuts down cleanly when a worker dies mid-task: the task fails naming it, later calls fail at once, dispose ends every thread', async () => {
    const before = threadCount();
    const pool = await dataParallel({ spec, strategy: 'naive', workers: 2, localShard: false });
    if (before !== undefined) expect(threadCount()).toBeGreaterThanOrEqual(before + 2);
    const dying = pool.sample(model, { n: 6, grid, seed: 1, sampler: { name: 'exits-in-worker', module: failingSamplersModule } });
    await expect(dying).rejects.toThrow(/dataParallel worker \d+ exited \(code 3\) during task 'sample' of rows \[\d, \d\)/);
    // the dead worker refuses new work at once, synchronous callers included (no wait for a reply that cannot come)
    const x0 = tf.ones([4, 2]);
    expect(() => pool.gradientsSync(model, x0, grid, { seed: 0, iteration: 0 })).toThrow(/dataParallel worker \d+ exited \(code 3\)/);
    x0.dispose();
    const started = performance.now();
    await pool.dispose();
    expect(performance.now() - started, 'dispose waits for no reply from the dead worker').toBeLessThan(4_000);
    if (before !== undefined) expect(threadCount(), 'no worker thread left').toBe(before);
  }, 60_000);
});
