import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, reverseProcess, rowNormals, vpSchedule, vpSde } from '@diffflow/sde-core';
import { fourierMlp, scoreFromEpsilon } from '@diffflow/networks';
import { exactFlow, gaussianVp, momentError } from './gaussian.fixture.js';
import { recordedEulerMaruyama } from './euler_maruyama_bits.fixture.js';
import { eulerMaruyama } from './euler_maruyama.js';
import { runSampler, SamplerSettingError, samplerNoisePurpose } from './sampler.js';

// the two models and grids the fixture was recorded with (untrained, seeded weights)
const diffflow = diffusionModel(
  diffflowSde({ drift: fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 1, name: 'drift' }), diffusion: constantDiffusion(1.2) }),
  fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 2, name: 'score' }),
);
const vp = vpSde(vpSchedule({ betaMin: 0.1, betaMax: 20 }));
const ddpm = diffusionModel(vp, scoreFromEpsilon(fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 3, name: 'eps' }), vp));
const grids = { grid: fixedGrid({ steps: 6, tMin: 1e-3, tMax: 0.5, beta: 0.9 }), vpGrid: fixedGrid({ steps: 5, tMin: 1e-3, tMax: 1, beta: 1 }) };

describe('euler-maruyama', () => {
  it("reproduces sampleMarginal's samples of 665c757 (λ ∈ {0, 0.5, 1}, chunks, a row shard, denoise on and off; DiffFlow and VP): bit for bit as re-recorded with the fused wasm gate, within 1e-6 of 665c757's", () => {
    for (const { model, grid, bits, fusedBits, lambda, denoise, ...request } of recordedEulerMaruyama) {
      const got = expectNoLeaks(() => take(runSampler(eulerMaruyama, model === 'ddpm' ? ddpm : diffflow, { ...request, grid: grids[grid], shape: [2] }, { lambda, denoise }).samples));
      expect(Array.from(new Uint32Array(Float32Array.from(got).buffer)), `${model} λ=${lambda}`).toEqual(fusedBits);
      const before = new Float32Array(Uint32Array.from(bits).buffer);
      got.forEach((v, i) => expect(Math.abs(v - (before[i] as number)), `${model} λ=${lambda} [${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(before[i] as number))));
    }
  });

  it('steps x − drift_λ Δt + λ g √Δt δ with δ keyed (seed, sample/noise, row, step): its path is that recursion', () => {
    const grid = [0.1, 0.2, 0.35];
    const { samples, trajectory } = runSampler(eulerMaruyama, diffflow, { grid, n: 3, shape: [2], seed: 4, trajectory: true }, { lambda: 0.7, denoise: false });
    const states = trajectory!.states.map((s) => take(s));
    expect(take(samples)).toEqual(states[0]);
    // the step from t_2 to t_1 recomputed from the state at t_2 and the documented noise key
    const x2 = tf.tensor2d(states[2]!, [3, 2]);
    const delta = tf.tensor2d(rowNormals(4, samplerNoisePurpose, [0, 3], 2, 1), [3, 2]);
    expect(take(reverseProcess(diffflow, 0.7).step(x2, 0.35, 0.35 - 0.2, delta))).toEqual(states[1]);
    tf.dispose([x2, delta]);
  });

  it('is first order at λ = 0 (Euler on the probability-flow ODE): halving the step halves the moment error on Gaussian data with the exact score', () => {
    const n = 500;
    const prior = gaussianVp.sde.prior.sample([0, n], [2], 3);
    const exact = exactFlow(prior.dataSync(), 1, 0.05);
    const error = (steps: number): number =>
      momentError(take(runSampler(eulerMaruyama, gaussianVp, { grid: fixedGrid({ steps, tMin: 0.05, tMax: 1, beta: 1 }), n, shape: [2], seed: 1, prior }, { lambda: 0, denoise: false }).samples), exact);
    const rate = Math.log2(error(32) / error(64));
    prior.dispose();
    expect(rate).toBeGreaterThan(0.85);
    expect(rate).toBeLessThan(1.15);
  });

  it('refuses bad settings naming the setting and what it allows', () => {
    const request = { grid: [0.1, 0.2], n: 2, shape: [2], seed: 1 };
    expect(() => runSampler(eulerMaruyama, diffflow, request, { lambda: -1 })).toThrow(SamplerSettingError);
    expect(() => runSampler(eulerMaruyama, diffflow, request, { lambda: -1 })).toThrow(/sampler 'euler-maruyama': setting 'lambda' must be a number ≥ 0, got -1/);
    expect(() => runSampler(eulerMaruyama, diffflow, request, { denoise: 'yes' })).toThrow(/setting 'denoise' must be true or false, got "yes"/);
    expect(() => runSampler(eulerMaruyama, diffflow, request, { order: 2 })).toThrow(/sampler 'euler-maruyama' has no setting 'order' \(its settings: lambda, denoise\)/);
  });
});
