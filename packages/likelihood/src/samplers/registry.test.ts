import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { diffusionModel, fixedGrid, type VectorField } from '@diffflow/sde-core';
import { gaussianVp } from './gaussian.fixture.js';
import { checkSamplerSpec, defaultSamplerName, loadSampler, sampleWith, samplerByName, samplerNames, samplerRegistry, UnknownSamplerError } from './registry.js';
import { defineSampler, describeSetting, resolveSettings, runSampler, SamplerSettingError } from './sampler.js';

describe('the sampler registry', () => {
  it('lists the library samplers by name, each with a description and settings whose defaults it allows', () => {
    expect(samplerNames).toEqual(['euler-maruyama', 'heun', 'predictor-corrector', 'dpm-solver', 'dpm-solver-sde', 'ddpm-ancestral', 'rk45']);
    expect(defaultSamplerName).toBe('euler-maruyama');
    for (const name of samplerNames) {
      const s = samplerByName(name);
      expect(s.name).toBe(name);
      expect(s.description.length).toBeGreaterThan(10);
      for (const setting of Object.values(s.settings)) expect(setting.description.length).toBeGreaterThan(5);
      expect(Object.keys(resolveSettings(s))).toEqual(Object.keys(s.settings));
    }
    expect(describeSetting(samplerRegistry['dpm-solver']!.settings['order']!)).toBe('an integer in [1, 3]');
    expect(describeSetting(samplerRegistry['predictor-corrector']!.settings['snr']!)).toBe('a number > 0');
  });

  it('names a bad sampler name or setting and what is allowed, in one error', () => {
    expect(() => samplerByName('euler')).toThrow(UnknownSamplerError);
    expect(() => samplerByName('euler')).toThrow("unknown sampler 'euler'; the samplers are euler-maruyama, heun, predictor-corrector, dpm-solver, dpm-solver-sde, ddpm-ancestral, rk45");
    expect(() => samplerByName('toString')).toThrow(UnknownSamplerError);
    expect(() => checkSamplerSpec({ name: 'heun', settings: { lambda: 0 } })).toThrow("sampler 'heun' has no setting 'lambda' (its settings: none)");
    expect(() => checkSamplerSpec({ name: 'rk45', settings: { rtol: 0 } })).toThrow(SamplerSettingError);
    expect(() => checkSamplerSpec({ name: 'rk45', settings: { rtol: 0 } })).toThrow("sampler 'rk45': setting 'rtol' must be a number > 0, got 0");
    expect(() => checkSamplerSpec({ name: 'predictor-corrector', settings: { correctorSteps: 1.5 } })).toThrow(/setting 'correctorSteps' must be an integer ≥ 0, got 1.5/);
    expect(checkSamplerSpec({ name: 'dpm-solver', settings: { order: 2 } })).toEqual({ order: 2, lowerOrderFinal: true });
    expect(() => defineSampler({ name: 'Bad Name', description: 'x', settings: {}, start: () => ({ step: (x) => tf.clone(x) }) })).toThrow(/lower-case words joined by dashes/);
    expect(() => defineSampler({ name: 'bad-default', description: 'x', settings: { k: { kind: 'integer', default: 0, min: 1, description: 'k' } }, start: () => ({ step: (x) => tf.clone(x) }) })).toThrow(
      /setting 'k' has default 0, which is not an integer ≥ 1/,
    );
  });

  it('runs a spec (sampleWith) and loads a registry sampler by name (loadSampler)', async () => {
    const request = { grid: fixedGrid({ steps: 4, tMin: 0.05, tMax: 1, beta: 1 }), n: 3, shape: [2], seed: 5 };
    const a = take(sampleWith({ name: 'dpm-solver', settings: { order: 2 } }, gaussianVp, request).samples);
    const b = take(runSampler(await loadSampler({ name: 'dpm-solver' }), gaussianVp, request, { order: 2 }).samples);
    expect(a).toEqual(b);
  });

  it('every sampler is tidy-clean, with and without its path, and when the score throws mid-run', () => {
    const grid = fixedGrid({ steps: 4, tMin: 0.05, tMax: 1, beta: 1 });
    let calls = 0;
    const flaky: VectorField = {
      ...gaussianVp.score,
      name: 'flaky',
      apply: (x, t) => {
        if (++calls === 4) throw new Error('score failed');
        return gaussianVp.score.apply(x, t);
      },
    };
    const failing = diffusionModel(gaussianVp.sde, flaky);
    for (const name of samplerNames) {
      const s = samplerByName(name);
      expectNoLeaks(() => runSampler(s, gaussianVp, { grid, n: 5, shape: [2], seed: 1, batchSize: 2 }));
      expectNoLeaks(() => runSampler(s, gaussianVp, { grid, n: 5, shape: [2], seed: 1, trajectory: true }));
      calls = 0;
      expectNoLeaks(() => {
        expect(() => runSampler(s, failing, { grid, n: 5, shape: [2], seed: 1, batchSize: 2, trajectory: true }), name).toThrow(/score failed/);
      });
    }
  });

  it('every sampler but rk45 and predictor-corrector gives the same rows whatever the chunks and the row shards', () => {
    const grid = fixedGrid({ steps: 4, tMin: 0.05, tMax: 1, beta: 1 });
    for (const name of ['euler-maruyama', 'heun', 'dpm-solver', 'dpm-solver-sde', 'ddpm-ancestral']) {
      const whole = take(sampleWith({ name }, gaussianVp, { grid, n: 6, shape: [2], seed: 4 }).samples);
      const parts = [
        ...take(sampleWith({ name }, gaussianVp, { grid, n: 6, shape: [2], seed: 4, rows: [0, 2] }).samples),
        ...take(sampleWith({ name }, gaussianVp, { grid, n: 6, shape: [2], seed: 4, rows: [2, 6], batchSize: 3 }).samples),
      ];
      expect(parts, name).toEqual(whole);
    }
  });
});
