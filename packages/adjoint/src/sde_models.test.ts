/**
 * The adjoint on every built-in SDE and on fields built with every combinator, and the two traps
 * it used to fall into silently (a spread copy of a field with another `apply`; noise that does not
 * replay), plus shape and grid errors in every consumer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  constantDiffusion,
  diffflowSde,
  diffusionModel,
  fixedGrid,
  forwardNoise,
  linearDrift,
  replayableNormal,
  subVpSde,
  veSde,
  vpSchedule,
  vpSde,
  type VpSchedule,
  type DiffusionModel,
  type TimeGrid,
} from '@diffflow/sde-core';
import {
  epsilonFromScore,
  fourierMlp,
  hasLinearize,
  mapTime,
  scaleField,
  scoreFromEpsilon,
  shiftField,
  sumFields,
  vectorField,
  type VectorField,
} from '@diffflow/networks';
import { trajectoryKl, trajectoryLossTerms } from '@diffflow/losses';
import { probabilityFlowNll, sampleMarginal } from '@diffflow/likelihood';
import { expectNoLeaks, relativeError } from '@diffflow/test-utils';

/** The VP residual drift −½β(t)x + f_θ(x, t): the VP SDE's drift plus a network. */
const vpResidualDrift = (schedule: VpSchedule, residual: VectorField, name?: string): VectorField => sumFields([vpSde(schedule).drift, residual], name);
import { adjointGradients, adjointStrategy } from './adjoint.js';
import { naiveGradients } from './naive.js';
import { disposeGradientResult, type GradientStrategy } from './strategy.js';

const mlp = (seed: number, name: string) => fourierMlp({ dim: 2, hidden: 16, layers: 1, seed, name });
const nets = [mlp(1, 'a'), mlp(2, 'b'), mlp(3, 'c')] as const;
const [a, b, c] = nets;
const x0 = replayableNormal([16, 2], { seed: 3, purpose: 'data', iteration: 0, step: 0 });
afterAll(() => {
  x0.dispose();
  nets.forEach((n) => n.dispose());
});

interface Plain {
  readonly loss: Record<string, number>;
  readonly grads: Record<string, Float32Array>;
}

function run(strategy: GradientStrategy, model: DiffusionModel, grid: TimeGrid): Plain {
  const result = strategy(model, x0, grid, forwardNoise(7, 0));
  const loss: Record<string, number> = {};
  for (const term of trajectoryLossTerms) loss[term] = result.loss[term].dataSync()[0] as number;
  const grads: Record<string, Float32Array> = {};
  for (const [name, g] of Object.entries(result.grads)) grads[name] = g.dataSync().slice() as Float32Array;
  disposeGradientResult(result);
  return { loss, grads };
}

/** Largest relative error over parameter tensors (1e-4: float32 summation order and replayed drift values). */
function expectAdjointEqualsNaive(model: DiffusionModel, grid: TimeGrid, strategy: GradientStrategy = adjointGradients): void {
  const naive = run(naiveGradients, model, grid);
  const adjoint = expectNoLeaks(() => run(strategy, model, grid));
  expect(Object.keys(adjoint.grads).sort()).toEqual(Object.keys(naive.grads).sort());
  expect(Object.keys(naive.grads).length).toBeGreaterThan(0);
  for (const k of Object.keys(naive.grads)) expect(relativeError(adjoint.grads[k]!, naive.grads[k]!), k).toBeLessThan(1e-4);
  for (const term of trajectoryLossTerms) expect(Math.abs(adjoint.loss[term]! - naive.loss[term]!), term).toBeLessThan(1e-5 * Math.abs(naive.loss['objective']!) + 1e-6);
}

describe('adjoint = naive on every built-in SDE (score-only models, relative 1e-4)', () => {
  const grid = fixedGrid({ steps: 7, tMin: 1e-2, tMax: 1, beta: 1 });
  it.each([
    ['VP', vpSde()],
    ['sub-VP', subVpSde()],
    ['VE', veSde({ sigmaMin: 0.01, sigmaMax: 5 })],
  ] as const)('%s', (_, sde) => {
    expectAdjointEqualsNaive(diffusionModel(sde, scoreFromEpsilon(a, sde)), grid);
    // a VE prior N(0, σ_max² I) enters the terminal term and its gradient
  });

  it('DiffFlow with a learned drift and a non-constant g', () => {
    const grid2 = fixedGrid({ steps: 7, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
    expectAdjointEqualsNaive(diffusionModel(diffflowSde({ drift: a, diffusion: (t) => 0.1 + 8 * t }), b), grid2);
  });
});

describe('adjoint = naive for fields built with every combinator', () => {
  const grid = fixedGrid({ steps: 5, tMin: 1e-2, tMax: 0.5, beta: 1 });
  const vp = vpSde();
  const drift = sumFields([scaleField(a, (t) => 1 + t), shiftField(mapTime(b, (t) => 2 * t), 0.1), linearDrift((t) => -t)], 'drift');
  const own = vectorField({ name: 'own', apply: (x, t) => tf.tidy(() => tf.mul(tf.tanh(x), typeof t === 'number' ? t : 1)) });
  const models: readonly [string, DiffusionModel][] = [
    ['sum of scale, shift∘mapTime and a linear field; ε-score', diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.7) }), scoreFromEpsilon(c, vp))],
    ['vectorField drift; epsilonFromScore∘scoreFromEpsilon score', diffusionModel(diffflowSde({ drift: sumFields([own, a]), diffusion: constantDiffusion(0.7) }), epsilonFromScore(scoreFromEpsilon(c, vp), vp))],
  ];
  it.each(models)('%s', (_, model) => {
    expect(hasLinearize(model.sde.drift)).toBe(true); // the MLP parts keep the drift cache on
    expectAdjointEqualsNaive(model, grid);
    expectAdjointEqualsNaive(model, grid, adjointStrategy({ driftCacheBytes: 0 }));
  });

  it("keeps the drift cache on for a VP residual drift (vpResidualDrift keeps the MLP's linearize)", () => {
    const residual = vpResidualDrift(vpSchedule(), a, 'drift');
    expect(hasLinearize(residual)).toBe(true);
    expectAdjointEqualsNaive(diffusionModel(diffflowSde({ drift: residual, diffusion: vp.diffusion, interval: [0, 1] }), b), grid);
  });
});

describe('the traps', () => {
  const grid = fixedGrid({ steps: 4, tMin: 1e-3, tMax: 0.05, beta: 0.9 });

  it("a spread copy of a field with another apply is differentiated as itself, never with the inner net's pull-back", () => {
    const doubled = { ...a, apply: (x: tf.Tensor, t: number | tf.Tensor1D) => tf.mul(a.apply(x, t), 2) } as VectorField;
    expectAdjointEqualsNaive(diffusionModel(diffflowSde({ drift: doubled, diffusion: constantDiffusion(0.2) }), b), grid);
  });

  it('a noise source that does not replay is a type error, and a thrown one at run time', () => {
    const model = diffusionModel(diffflowSde({ drift: a, diffusion: constantDiffusion(0.2) }), b);
    let k = 0;
    const fresh = (_: number, shape: readonly number[]) => tf.randomNormal(shape as number[], 0, 1, 'float32', k++);
    // @ts-expect-error only sde-core's keyed noise has the ReplayableNoise type
    expect(() => adjointGradients(model, x0, grid, fresh)).toThrow(/does not replay/);
  });

  it('a field of the wrong shape is named, with the shapes, by the adjoint, the loss, the sampler and the ODE', () => {
    const bad = vectorField({ name: 'narrow', apply: (x) => tf.slice(x, [0, 0], [-1, 1]) });
    const asDrift = diffusionModel(diffflowSde({ drift: bad, diffusion: constantDiffusion(0.2) }), b);
    const asScore = diffusionModel(diffflowSde({ drift: a, diffusion: constantDiffusion(0.2) }), bad);
    const message = /the (drift|score) field 'narrow' maps x of shape \[16, 2\] to \[16, 1\]/;
    for (const model of [asDrift, asScore]) {
      expectNoLeaks(() => {
        expect(() => adjointGradients(model, x0, grid, forwardNoise(1, 0))).toThrow(message);
      });
      expect(() => naiveGradients(model, x0, grid, forwardNoise(1, 0))).toThrow(message);
      expect(() => trajectoryKl(model, x0, grid, forwardNoise(1, 0))).toThrow(message);
    }
    expect(() => sampleMarginal(asDrift, { grid, lambda: 1, n: 4, shape: [2], seed: 0 })).toThrow(/(drift|score) field 'narrow' maps it to \[1\]/);
    expect(() => probabilityFlowNll(asScore, x0, { grid })).toThrow(/(drift|score) field 'narrow' maps it to \[1\]/);
  });

  it("refuses a grid outside the SDE's interval", () => {
    const model = diffusionModel(vpSde(), scoreFromEpsilon(a, vpSde()));
    expect(() => adjointGradients(model, x0, [-1, 0, 1], forwardNoise(1, 0))).toThrow(/inside the time interval \[0, 1\]/);
    expect(() => adjointGradients(model, x0, [0.5, 2], forwardNoise(1, 0))).toThrow(/inside the time interval \[0, 1\]/);
  });
});
