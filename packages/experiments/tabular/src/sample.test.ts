import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixedGrid, purposeSeed } from '@diffflow/sde-core';
import { sampleWith } from '@diffflow/likelihood';
import { expectNoLeaks } from '@diffflow/test-utils';
import { disposeModel } from '@diffflow/training';
import { tabularDefaults } from './config.js';
import { tabularModel } from './model.js';
import { columnMoments, drawTabularSamples } from './sample.js';

describe('drawTabularSamples', () => {
  const config = { ...tabularDefaults, hidden: 8, layers: 1 };
  const standardizer = { dim: 3, mean: [1, -2, 0.5], std: [2, 0.5, 1] };

  it("is the registry sampler's rows on the run's fixed grid, mapped to x = y·σ + μ; leak-free, the same for the same seed", () => {
    const model = tabularModel(config, 3);
    try {
      const run = { config, standardizer, model };
      const x = expectNoLeaks(() => drawTabularSamples(run, { name: 'heun' }, 20, 4, 7));
      expect(x).toHaveLength(60);
      expect(expectNoLeaks(() => drawTabularSamples(run, { name: 'heun' }, 20, 4, 7))).toEqual(x);
      const grid = fixedGrid({ steps: 4, tMin: config.tMin, tMax: config.T, beta: config.beta });
      const y = tf.tidy(() => sampleWith({ name: 'heun' }, model, { grid, n: 20, shape: [3], seed: purposeSeed(7, 'sample') }).samples);
      const ys = y.dataSync();
      y.dispose();
      for (let i = 0; i < 60; i++) expect(x[i]).toBeCloseTo(ys[i]! * standardizer.std[i % 3]! + standardizer.mean[i % 3]!, 5);
      expect(expectNoLeaks(() => drawTabularSamples(run, { name: 'heun' }, 20, 4, 8))).not.toEqual(x);
    } finally {
      disposeModel(model);
    }
  });

  it('leaves no tensor behind when the sampler refuses the model (dpm-solver on a learned drift)', () => {
    const model = tabularModel(config, 3);
    try {
      expectNoLeaks(() => {
        expect(() => drawTabularSamples({ config, standardizer, model }, { name: 'dpm-solver' }, 4, 3, 0)).toThrow(RangeError);
      });
    } finally {
      disposeModel(model);
    }
  });
});

describe('columnMoments', () => {
  it('is the per-column mean and population std', () => {
    const m = columnMoments([1, 10, 3, 10, 5, 16, 7, 4], 2);
    expect(m.mean).toEqual([4, 10]);
    expect(m.std[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(m.std[1]).toBeCloseTo(Math.sqrt(18), 12);
  });
  it('refuses rows of another width or none', () => {
    expect(() => columnMoments([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => columnMoments([], 2)).toThrow(RangeError);
  });
});
