import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { runSampler, samplerByName } from '@diffflow/likelihood';
import { modelFromSpec, type ModelSpec } from '@diffflow/networks';
import type { DataParallel } from '@diffflow/parallel';
import { poolSamples, sampleOnPool, withPool } from './pooled_samples.js';

const spec: ModelSpec = {
  drift: { dim: 2, hidden: 8, layers: 1, seed: 1, name: 'drift' },
  score: { dim: 2, hidden: 8, layers: 1, seed: 2, name: 'score' },
  diffusion: { kind: 'constant', value: 0.2 },
};
const grid = fixedGrid({ steps: 5, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
const heun = { name: 'heun' };

describe('pooled samples', () => {
  it('poolSamples equals the sampler on this thread, as one array, leaving no tensor behind', async () => {
    const model = modelFromSpec(spec);
    const one = take(runSampler(samplerByName('heun'), model, { grid, n: 9, shape: [2], seed: 3 }).samples);
    const before = tf.memory().numTensors;
    const values = await withPool({ spec, strategy: 'adjoint', threads: 1 }, (pool) => poolSamples(pool, model, { n: 9, grid, seed: 3, sampler: heun }));
    expect(tf.memory().numTensors).toBe(before);
    expect(values).toBeInstanceOf(Float32Array);
    expect(Array.from(values)).toEqual(one);
    model.sde.drift.dispose();
    model.score.dispose();
  });

  it('sampleOnPool gives the same values on one thread and on two, and reports the threads and a time', async () => {
    const model = modelFromSpec(spec);
    const request = { n: 11, grid, seed: 5, sampler: heun };
    const one = await sampleOnPool({ spec, strategy: 'adjoint', threads: 1 }, model, request);
    const two = await sampleOnPool({ spec, strategy: 'adjoint', threads: 2 }, model, request);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(Array.from(two.values)).toEqual(Array.from(one.values));
    expect(one.ms).toBeGreaterThanOrEqual(0);
    model.sde.drift.dispose();
    model.score.dispose();
  }, 60_000);

  it('withPool disposes the pool when its use rejects, and passes the rejection on', async () => {
    let disposed = false;
    const failing = withPool({ spec, strategy: 'adjoint', threads: 1 }, async (pool: DataParallel) => {
      const dispose = pool.dispose.bind(pool);
      Object.defineProperty(pool, 'dispose', { value: async () => ((disposed = true), dispose()) });
      throw new RangeError('bad');
    });
    await expect(failing).rejects.toThrow('bad');
    expect(disposed).toBe(true);
  });

  it('a sampler error (a setting the sampler lacks) rejects sampleOnPool with the sampler named', async () => {
    const model = modelFromSpec(spec);
    await expect(sampleOnPool({ spec, strategy: 'adjoint', threads: 1 }, model, { n: 2, grid, seed: 1, sampler: { name: 'heun', settings: { lambda: 1 } } })).rejects.toThrow(/sampler 'heun' has no setting 'lambda'/);
    model.sde.drift.dispose();
    model.score.dispose();
  });
});
