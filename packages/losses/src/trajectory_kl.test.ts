import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, piecewiseDiffusion, replayableNormal } from '@diffflow/sde-core';
import { fourierMlp, variablesOf, type VectorField } from '@diffflow/networks';
import { diffusionLogRatio, trajectoryKl } from './trajectory_kl.js';

/** A parameter-free field from a function of (x, t). */
function field(name: string, fn: (x: tf.Tensor, t: number) => tf.Tensor): VectorField {
  return {
    name,
    apply: (x, t) => tf.tidy(() => fn(x, typeof t === 'number' ? t : (t.dataSync()[0] as number))),
    parameters: [],
    parameterCount: 0,
    dispose: () => undefined,
  };
}

describe('trajectoryKl', () => {
  it('matches the closed form for f = 0 and the exact score of Gaussian data', () => {
    // x_0 ~ N(0, σ0² I), f = 0: x_i ~ N(0, v_i I) with v_i = σ0² + g²(t_i − t_0), exact score −x/v.
    // Then E ½‖δ^B_i‖² = (D/2) v_i / v_{i+1},  E[−log N(x_N)] = (D/2)(v_N + log 2π),
    // E Σ ½‖δ^F‖² = N D / 2, and the bound adds D log(g_N/g_0) = 0.
    const sigma0 = 0.5;
    const g = 1.5;
    const D = 2;
    const B = 40_000;
    const grid = fixedGrid({ steps: 6, tMin: 0.01, tMax: 0.3, beta: 0.7 });
    const v = grid.map((t) => sigma0 ** 2 + g * g * (t - grid[0]!));
    const model = diffusionModel(
      diffflowSde({ drift: field('zero', (x) => tf.zerosLike(x)), diffusion: constantDiffusion(g) }),
      field('exact', (x, t) => tf.div(x, -(sigma0 ** 2 + g * g * (t - grid[0]!)))),
    );
    const x0 = tf.mul(replayableNormal([B, D], { seed: 3, purpose: 'data', iteration: 0, step: 0 }), sigma0);
    const terms = expectNoLeaks(() => {
      const l = trajectoryKl(model, x0, grid, forwardNoise(11, 0));
      return Object.fromEntries(Object.entries(l).map(([k, s]) => [k, take(s as tf.Tensor)[0]!]));
    });
    x0.dispose();
    const N = grid.length - 1;
    let backward = 0;
    for (let i = 0; i < N; i++) backward += (D / 2) * (v[i]! / v[i + 1]!);
    const terminal = (D / 2) * (v[N]! + Math.log(2 * Math.PI));
    // Monte Carlo standard errors at B = 40k are ≈ 0.01 for each term; tolerance 0.05 nats.
    expect(terms['terminal']).toBeCloseTo(terminal, 1);
    expect(Math.abs(terms['backwardEnergy']! - backward)).toBeLessThan(0.05);
    expect(Math.abs(terms['forwardEnergy']! - (N * D) / 2)).toBeLessThan(0.05);
    expect(terms['objective']).toBeCloseTo(terms['terminal']! + terms['backwardEnergy']!, 4);
    const bound = terminal + backward - (N * D) / 2;
    expect(Math.abs(terms['bound']! - bound)).toBeLessThan(0.05);
    // the bound is an upper bound on the data's NLL, i.e. its entropy (D/2) log(2πe σ0²)
    expect(bound).toBeGreaterThan((D / 2) * Math.log(2 * Math.PI * Math.E * sigma0 ** 2));
  });

  it('adds D log(g(t_N)/g(t_0)) to the bound for a non-constant g', () => {
    const grid = fixedGrid({ steps: 3, tMin: 0, tMax: 1, beta: 1 });
    const model = diffusionModel(diffflowSde({ drift: field('z', (x) => tf.zerosLike(x)), diffusion: piecewiseDiffusion([0, 1], [0.5, 2]) }), field('z', (x) => tf.zerosLike(x)));
    expect(diffusionLogRatio(model, grid, 3)).toBeCloseTo(3 * Math.log(4), 12);
  });

  it('is a loss Adam can decrease within a few iterations on a tiny problem', () => {
    const drift = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 1, name: 'drift' });
    const score = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 2, name: 'score' });
    const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.5) }), score);
    const grid = fixedGrid({ steps: 4, tMin: 1e-3, tMax: 0.2, beta: 0.9 });
    const x0 = tf.add(tf.mul(replayableNormal([256, 2], { seed: 1, purpose: 'data', iteration: 0, step: 0 }), 0.3), 2);
    const opt = tf.train.adam(1e-2);
    const losses: number[] = [];
    for (let it = 0; it < 15; it++) {
      // the same noise every iteration, so the decrease is the optimiser's doing
      const cost = opt.minimize(() => trajectoryKl(model, x0, grid, forwardNoise(5, 0)).objective, true, variablesOf(drift, score));
      losses.push(take(cost!)[0]!);
    }
    expect(losses[14]!).toBeLessThan(losses[0]! - 0.5);
    x0.dispose();
    opt.dispose();
    drift.dispose();
    score.dispose();
  });

  it('rejects a grid that does not increase', () => {
    const model = diffusionModel(diffflowSde({ drift: field('z', (x) => tf.zerosLike(x)), diffusion: constantDiffusion(1) }), field('z', (x) => tf.zerosLike(x)));
    const x0 = tf.zeros([1, 2]);
    expect(() => trajectoryKl(model, x0, [0, 0.1, 0.1], forwardNoise(0, 0))).toThrow(/increase strictly/);
    x0.dispose();
  });
});
