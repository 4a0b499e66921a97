/**
 * What every public function that evaluates a user's field or prior does when that field or prior
 * is wrong: a field returning NaN stops it with sde-core's NonFiniteFieldError (naming the role, t
 * and, where the caller has one, the step), and no call leaks a tensor when it throws — a field
 * that throws, a prior whose logDensity returns [B, 1], g ≡ 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { repoRoot, runScript } from '@diffflow/test-utils';
import {
  NonFiniteFieldError,
  TfSetupError,
  constantDiffusion,
  defaultVpSchedule,
  diffusionModel,
  fixedGrid,
  forwardNoise,
  marginalDrift,
  sde,
  standardNormalPrior,
  type DiffusionModel,
  type Prior,
  type VectorField,
} from '@diffflow/sde-core';
import { ddpmAncestralSample, ddpmLoss, scoreMatchingLoss, trajectoryKl } from '@diffflow/losses';
import { logDensityGrid, negativeElbo, probabilityFlowNll, sampleMarginal } from '@diffflow/likelihood';
import { adjointGradients, adjointStrategy, disposeGradientResult, naiveGradients } from './index.js';

type Behaviour = 'ok' | 'nan' | 'throws';

/**
 * −x·w (w = 1, trainable) that goes wrong at times t ≥ `from`: returns NaN there, or throws after
 * making a few tensors (which tidy frees).
 */
function userField(name: string, behaviour: Behaviour, from = 0): VectorField {
  const one = tf.scalar(1);
  const w = tf.variable(one, true, `${name}#${Math.random()}`);
  one.dispose();
  const bad = (t: number | tf.Tensor1D): boolean => (typeof t === 'number' ? t : Math.max(...t.dataSync())) >= from;
  return {
    name,
    parameters: [{ name: 'w', variable: w }],
    parameterCount: 1,
    apply: (x, t) =>
      tf.tidy(() => {
        const out = tf.mul(tf.neg(x), w);
        if (behaviour === 'ok' || !bad(t)) return out;
        if (behaviour === 'throws') throw new Error(`${name}: user failure`);
        return tf.mul(out, Number.NaN);
      }),
    dispose: () => w.dispose(),
  };
}

/** A model on [0, 1] with a drift and a score of the user's; the prior and g can be replaced. */
function userModel(drift: Behaviour, score: Behaviour, options: { prior?: Prior; g?: number; from?: number } = {}): DiffusionModel {
  return diffusionModel(
    sde({ name: 'user', drift: userField('drift', drift, options.from), diffusion: constantDiffusion(options.g ?? 1), prior: options.prior ?? standardNormalPrior, interval: [0, 1] }),
    userField('score', score, options.from),
  );
}

function disposeModel(m: DiffusionModel): void {
  m.sde.drift.dispose();
  m.score.dispose();
}

/** A prior of the wrong shape: logDensity [B, 1] instead of [B]. */
const columnPrior: Prior = {
  name: 'column',
  sample: (rows, dims, seed) => standardNormalPrior.sample(rows, dims, seed),
  logDensity: (x) => tf.tidy(() => tf.sum(tf.reshape(tf.square(x), [x.shape[0] as number, -1]), 1, true)) as unknown as tf.Tensor1D,
};

const grid = fixedGrid({ steps: 4, tMin: 0, tMax: 1, beta: 1 });
const x = (): tf.Tensor => tf.tensor2d([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2]);

/** Every public entry point that evaluates the model's fields or prior, as one throwing-or-not call. */
const calls: Record<string, (m: DiffusionModel, x0: tf.Tensor) => void> = {
  adjointGradients: (m, x0) => disposeGradientResult(adjointGradients(m, x0, grid, forwardNoise(1, 0))),
  'adjoint, drift recomputed, no cache': (m, x0) => disposeGradientResult(adjointStrategy({ driftValues: 'recompute', driftCacheBytes: 0 })(m, x0, grid, forwardNoise(1, 0))),
  naiveGradients: (m, x0) => disposeGradientResult(naiveGradients(m, x0, grid, forwardNoise(1, 0))),
  trajectoryKl: (m, x0) => tf.dispose(Object.values(trajectoryKl(m, x0, grid, forwardNoise(1, 0)))),
  negativeElbo: (m, x0) => void negativeElbo(m, x0, grid, { seed: 1, batchSize: 2 }),
  probabilityFlowNll: (m, x0) => void probabilityFlowNll(m, x0, { grid, solver: 'rk4', batchSize: 2 }),
  sampleMarginal: (m) => tf.dispose(sampleMarginal(m, { grid, lambda: 1, n: 3, shape: [2], seed: 1, batchSize: 2 }).samples),
  'sampleMarginal (ODE, trajectory)': (m) => {
    const r = sampleMarginal(m, { grid, lambda: 0, n: 3, shape: [2], seed: 1, trajectory: true });
    tf.dispose([r.samples, ...(r.trajectory?.states ?? [])]);
  },
  logDensityGrid: (m) => void logDensityGrid(m, { xRange: [-1, 1], yRange: [-1, 1], resolution: 2, grid, solver: 'rk4' }),
  marginalDrift: (m, x0) => marginalDrift(m, x0, 0.5, 1).dispose(),
};

describe('a NaN from a user field', () => {
  for (const [name, call] of Object.entries(calls)) {
    it(`${name}: stops with NonFiniteFieldError naming the role and t, and leaks nothing`, () => {
      for (const role of ['drift', 'score'] as const) {
        const m = userModel(role === 'drift' ? 'nan' : 'ok', role === 'score' ? 'nan' : 'ok', { from: 0.2 });
        const x0 = x();
        const before = tf.memory().numTensors;
        let error: unknown;
        try {
          call(m, x0);
        } catch (e) {
          error = e;
        }
        expect(tf.memory().numTensors, `${name}, NaN ${role}: tensors leaked`).toBe(before);
        expect(error, `${name}, NaN ${role}`).toBeInstanceOf(NonFiniteFieldError);
        const e = error as NonFiniteFieldError;
        expect(e.role).toBe(role);
        expect(e.field).toBe(role);
        expect(e.t).toBeGreaterThanOrEqual(0.2);
        expect(Number.isNaN(e.value)).toBe(true);
        expect(e.message).toMatch(new RegExp(`the ${role} field '${role}' (returned|has a pull-back of) NaN \\(row \\d\\) at t = [\\d.e-]+`));
        x0.dispose();
        disposeModel(m);
      }
    });
  }

  it('names the grid step where the caller walks a grid (the adjoint, the naive gradient)', () => {
    for (const strategy of [adjointGradients, naiveGradients]) {
      const m = userModel('nan', 'ok', { from: 0.6 });
      const x0 = x();
      let error: NonFiniteFieldError | undefined;
      try {
        disposeGradientResult(strategy(m, x0, grid, forwardNoise(1, 0)));
      } catch (e) {
        error = e as NonFiniteFieldError;
      }
      // the drift first goes NaN at the first grid point with t ≥ 0.6 (the rollout walks forward)
      const first = grid.findIndex((t) => t >= 0.6);
      expect(error?.step).toBe(first);
      expect(error?.t).toBeCloseTo(grid[first]!, 6);
      expect(error?.message).toContain(`step ${first}`);
      x0.dispose();
      disposeModel(m);
    }
  });
});

describe('a throwing field, a prior of the wrong shape, g ≡ 0: nothing leaks', () => {
  const cases: Record<string, () => DiffusionModel> = {
    'a drift that throws': () => userModel('throws', 'ok', { from: 0.2 }),
    'a score that throws': () => userModel('ok', 'throws', { from: 0.2 }),
    'a prior whose logDensity returns [B, 1]': () => userModel('ok', 'ok', { prior: columnPrior }),
    'g ≡ 0': () => userModel('ok', 'ok', { g: 0 }),
  };
  for (const [what, make] of Object.entries(cases)) {
    for (const [name, call] of Object.entries(calls)) {
      it(`${what}: ${name}`, () => {
        const m = make();
        const x0 = x();
        const before = tf.memory().numTensors;
        try {
          call(m, x0);
        } catch {
          // some calls do not evaluate what is wrong (a sampler never calls logDensity); what matters is the count
        }
        expect(tf.memory().numTensors).toBe(before);
        x0.dispose();
        disposeModel(m);
      });
    }
  }
});

describe('the ε-network losses and sampler', () => {
  const schedule = defaultVpSchedule;
  const fixedDrift = userField('f', 'ok');
  const entries: Record<string, (net: VectorField, x0: tf.Tensor) => void> = {
    ddpmLoss: (net, x0) => ddpmLoss(net, schedule, x0, { seed: 1, iteration: 0 }).dispose(),
    ddpmAncestralSample: (net) => ddpmAncestralSample(net, schedule, { n: 3, shape: [2], steps: 4, seed: 1 }).dispose(),
    scoreMatchingLoss: (net, x0) => scoreMatchingLoss(diffusionModel(sde({ drift: fixedDrift, diffusion: constantDiffusion(1), interval: [0, 1], marginal: (t) => ({ meanScale: Math.exp(-t), std: Math.sqrt(1 - Math.exp(-2 * t)) }) }), net), x0, { seed: 1, iteration: 0, tMin: 0.01 }).dispose(),
  };
  for (const [name, call] of Object.entries(entries)) {
    it(`${name}: a NaN ε-network gives NonFiniteFieldError; a throwing one leaks nothing`, () => {
      for (const behaviour of ['nan', 'throws'] as const) {
        const net = userField('eps', behaviour);
        const x0 = x();
        const before = tf.memory().numTensors;
        let error: unknown;
        try {
          call(net, x0);
        } catch (e) {
          error = e;
        }
        expect(tf.memory().numTensors, `${name}, ${behaviour}`).toBe(before);
        if (behaviour === 'nan') expect(error, name).toBeInstanceOf(NonFiniteFieldError);
        else expect(String(error)).toMatch(/user failure/);
        x0.dispose();
        net.dispose();
      }
    });
  }
});

describe('tfjs not set up', () => {
  it('without gradient functions: the gradient strategies and the NLL name registerGradients()', () => {
    const m = userModel('ok', 'ok');
    const x0 = x();
    const config = tf.getGradient('Add');
    tf.unregisterGradient('Add');
    try {
      for (const name of ['adjointGradients', 'naiveGradients', 'probabilityFlowNll'] as const) {
        const before = tf.memory().numTensors;
        let error: unknown;
        try {
          calls[name]!(m, x0);
        } catch (e) {
          error = e;
        }
        expect(error, name).toBeInstanceOf(TfSetupError);
        expect((error as Error).message, name).toMatch(/gradient functions are not registered — call `await registerGradients\(\)` from @diffflow\/backend/);
        expect(tf.memory().numTensors, name).toBe(before);
      }
    } finally {
      tf.registerGradient(config);
    }
    x0.dispose();
    disposeModel(m);
  });

  it('without a backend (a program that never called selectBackend): building a network and sampling name selectBackend()', () => {
    const r = runScript(`${repoRoot}packages/adjoint/src/tf_setup.fixture.ts`, [], { env: {} });
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as Record<string, { name: string; message: string }>;
    for (const [where, e] of Object.entries(seen)) {
      expect(e.name, where).toBe('TfSetupError');
      expect(e.message, where).toMatch(new RegExp(`^${where}: no tfjs backend is registered — call \`await selectBackend\\(\\)\` from @diffflow/backend`));
    }
    expect(Object.keys(seen)).toEqual(['fourierMlp', 'sampleMarginal']);
  }, 60_000);
});
