import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixedGrid, purposeSeed } from '@diffflow/sde-core';
import { sampleWith } from '@diffflow/likelihood';
import { disposeModel } from '@diffflow/training';
import { tabularDefaults } from './config.js';
import { sampleOnPool } from '@diffflow/experiment';
import { tabularModel, tabularModelSpec } from './model.js';

describe("tabular:sample's draw", () => {
  const config = { ...tabularDefaults, hidden: 8, layers: 1 };

  it("is sampleWith's rows on the run's fixed grid: a one-thread pool of tabularModelSpec, leak-free, the same for the same seed", async () => {
    const model = tabularModel(config, 3);
    try {
      const before = tf.memory().numTensors;
      const grid = fixedGrid({ steps: 4, tMin: config.tMin, tMax: config.T, beta: config.beta });
      const request = { grid, n: 20, shape: [3], seed: purposeSeed(7, 'sample'), sampler: { name: 'heun' } };
      const pool = { spec: tabularModelSpec(config, 3), strategy: config.strategy, threads: 1 };
      const { values } = await sampleOnPool(pool, model, request);
      expect(values).toHaveLength(60);
      expect((await sampleOnPool(pool, model, request)).values).toEqual(values);
      expect((await sampleOnPool(pool, model, { ...request, seed: purposeSeed(8, 'sample') })).values).not.toEqual(values);
      const y = tf.tidy(() => sampleWith({ name: 'heun' }, model, request).samples);
      expect(Array.from(values)).toEqual(Array.from(y.dataSync()));
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      disposeModel(model);
    }
  });
});
