import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixedGrid,
  flexibleGridAt,
  forwardNoise,
  functionalDiffusion,
  piecewiseDiffusion,
  progressiveSchedule,
  replayableNormal,
  diffflowSde,
  diffusionModel,
  type Diffusion,
  type DiffusionModel,
  type GridSpec,
  type TimeGrid,
} from '@diffflow/sde-core';
import { fourierMlp, linearize, registerPullbacks, variablesOf, vjp, type FieldLinearization, type FieldLinearizeOptions, type VectorField, type VjpResult } from '@diffflow/networks';
import { trajectoryKl, trajectoryLossTerms } from '@diffflow/losses';
import { NonFiniteFieldError } from '@diffflow/sde-core';
import { centralDifference, expectNoLeaks, relativeError } from '@diffflow/test-utils';
import { adjointGradients, adjointStrategy, defaultBatchedScoreBytes, defaultDriftCacheBytes, gradientSumSteps } from './adjoint.js';
import { naiveGradients } from './naive.js';
import { gradientStrategy } from './gradient_strategy.js';
import { disposeGradientResult, type GradientResult, type GradientStrategy } from './strategy.js';

/*
 * Small problem shared by the tests: two Fourier MLPs (D = 2, one hidden layer of 16), B = 16,
 * a non-constant g, the reference time range [1e-3, 0.05] with β = 0.9. Data, grids and noise all
 * come from replayable keys, so every strategy sees the same numbers.
 */
const drift = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 1, name: 'drift' });
const score = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 2, name: 'score' });
const piecewise = piecewiseDiffusion([1e-3, 0.05], [0.1, 0.5]);
/** A DiffFlow model from its parts (learned drift, score, g). */
interface Parts {
  readonly drift: VectorField;
  readonly score: VectorField;
  readonly diffusion: Diffusion;
}
const asModel = (p: Parts): DiffusionModel => diffusionModel(diffflowSde({ drift: p.drift, diffusion: p.diffusion }), p.score);
const model: Parts = { drift, score, diffusion: piecewise };
const x0 = replayableNormal([16, 2], { seed: 3, purpose: 'data', iteration: 0, step: 0 });
const spec = (steps: number): GridSpec => ({ steps, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
afterAll(() => {
  x0.dispose();
  drift.dispose();
  score.dispose();
});

interface Plain {
  readonly loss: Record<string, number>;
  readonly grads: Record<string, Float32Array>;
}

/** Runs a strategy and reads its result into plain arrays (disposing the tensors). */
function run(strategy: GradientStrategy, m: Parts, grid: TimeGrid, seed = 7, iteration = 0): Plain {
  const result = strategy(asModel(m), x0, grid, forwardNoise(seed, iteration));
  const plain = read(result);
  disposeGradientResult(result);
  return plain;
}

function read(result: GradientResult): Plain {
  const loss: Record<string, number> = {};
  for (const term of trajectoryLossTerms) loss[term] = result.loss[term].dataSync()[0] as number;
  const grads: Record<string, Float32Array> = {};
  for (const [name, g] of Object.entries(result.grads)) grads[name] = g.dataSync() as Float32Array;
  return { loss, grads };
}

/** Largest per-tensor relative error between two gradient maps with the same keys. */
function worstGradientError(a: Plain, b: Plain): number {
  expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
  return Math.max(...Object.keys(a.grads).map((k) => relativeError(a.grads[k] as Float32Array, b.grads[k] as Float32Array)));
}

/**
 * Checks the largest-gradient entry of each (field, parameter) in `result` against a central finite
 * difference of the loss (the same noise as the gradients), ε = 0.05, tolerance 1e-2·|g| + 1e-5:
 * the loss (≈ 7) is float32, its rounding ulp(7) ≈ 4.8e-7 makes a quantum of ulp / 2ε ≈ 4.8e-6 in
 * the difference quotient; the curvature error at that ε was measured ≤ 1e-2 relative; entries of
 * |∂L/∂θ| > 1e-3 stand well above that quantum.
 */
function expectFiniteDifferences(result: Plain, checked: readonly (readonly [VectorField, string])[], grid: TimeGrid): void {
  const eps = 0.05;
  const noise = forwardNoise(7, 0);
  const loss = (): number => tf.tidy(() => trajectoryKl(asModel(model), x0, grid, noise).objective.dataSync()[0] as number);
  for (const [field, pname] of checked) {
    const variable = (field.parameters.find((p) => p.name === pname) as { variable: tf.Variable }).variable;
    const g = result.grads[variable.name] as Float32Array;
    let k = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i] as number) > Math.abs(g[k] as number)) k = i;
    const exact = g[k] as number;
    expect(Math.abs(exact), `${variable.name}[${k}] too small to check`).toBeGreaterThan(1e-3);
    const numeric = centralDifference(loss, variable, k, eps);
    expect(Math.abs(numeric - exact), `${variable.name}[${k}]: adjoint ${exact}, finite difference ${numeric}`).toBeLessThanOrEqual(1e-2 * Math.abs(exact) + 1e-5);
  }
}

/**
 * Wraps a field, counting evaluations and pull-backs; with `ownVjp` it takes the custom-vjp path of
 * `vjp`, with `ownLinearize` also the inner field's `linearize` (counting full and compact ones).
 */
function counted(
  inner: VectorField,
  ownVjp: boolean,
  ownLinearize = false,
): VectorField & { applies: number; vjps: number; linearizations: number; compact: number; pullbacks: number } {
  const field = {
    name: inner.name,
    parameters: inner.parameters,
    parameterCount: inner.parameterCount,
    dispose: () => undefined,
    applies: 0,
    vjps: 0,
    linearizations: 0,
    compact: 0,
    pullbacks: 0,
    apply(x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor {
      field.applies++;
      return inner.apply(x, t);
    },
  };
  if (!ownVjp) return field;
  const ownVjpFn = (x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult => {
    field.vjps++;
    return vjp(inner, x, t, dy);
  };
  if (!ownLinearize) return registerPullbacks(field, { vjp: ownVjpFn });
  return registerPullbacks(field, {
    vjp: ownVjpFn,
    linearize(x: tf.Tensor, t: number, options?: FieldLinearizeOptions): FieldLinearization {
      field.linearizations++;
      if (options?.compact === true) field.compact++;
      const lin = linearize(inner, x, t, options);
      return {
        value: lin.value,
        pullback: (dy: tf.Tensor) => {
          field.pullbacks++;
          return lin.pullback(dy);
        },
        dispose: () => lin.dispose(),
        get cacheBytes() {
          return lin.cacheBytes;
        },
      };
    },
  });
}

/** Bytes one rollout step of the test drift keeps (compact): 2 pre-activations [16, 16] and the [1, ·] time pieces. */
const stepCacheBytes = (2 * 16 * 16 + 2 * 16 + 4 * 16) * 4;
/** Bytes one rollout step of the test drift keeps (full): 2 layer inputs and 2 gate derivatives [16, 16], the time pieces. */
const fullStepCacheBytes = (4 * 16 * 16 + 2 * 16 + 4 * 16) * 4;

describe('adjointGradients', () => {
  // Same weights, data, grid and noise: the two strategies differ only in float32 rounding (order of
  // the sums over steps, and the replayed drift values). Observed worst error ≈ 1e-5; bound 1e-4.
  const GRADIENT_TOLERANCE = 1e-4;
  const cases = [1, 2, 7].flatMap((n) => (['fixed', 'flexible'] as const).map((kind) => ({ n, kind })));

  describe.each(cases)('N = $n, $kind grid, piecewise-linear g', ({ n, kind }) => {
    const grid = kind === 'fixed' ? fixedGrid(spec(n)) : flexibleGridAt(spec(n), 11, n);
    let naive: Plain;
    beforeAll(() => {
      naive = run(naiveGradients, model, grid);
    });

    it.each([
      ['replay', undefined],
      ['recompute', undefined],
      ['replay', 0],
      ['replay', 2 * stepCacheBytes],
    ] as const)('matches naive backprop for every parameter tensor (drift values: %s, drift cache bytes: %s)', (driftValues, driftCacheBytes) => {
      const adjoint = run(adjointStrategy({ driftValues, ...(driftCacheBytes === undefined ? {} : { driftCacheBytes }) }), model, grid);
      expect(Object.keys(adjoint.grads).sort()).toEqual(variablesOf(drift, score).map((v) => v.name).sort());
      for (const [name, g] of Object.entries(naive.grads)) {
        expect(relativeError(adjoint.grads[name] as Float32Array, g), name).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
      }
    });

    it('returns the naive loss terms', () => {
      const adjoint = run(adjointGradients, model, grid);
      // terminal and forwardEnergy: same ops on bit-identical states, in the same order → exact.
      expect(adjoint.loss['terminal']).toBe(naive.loss['terminal']);
      expect(adjoint.loss['forwardEnergy']).toBe(naive.loss['forwardEnergy']);
      // backwardEnergy is summed last step first, with replayed drift values: float32 rounding only.
      // Tolerance 1e-5 of the objective (observed ≤ 3e-7 relative); the bound inherits it.
      const scale = Math.abs(naive.loss['objective'] as number);
      for (const term of ['objective', 'bound', 'backwardEnergy']) {
        expect(Math.abs((adjoint.loss[term] as number) - (naive.loss[term] as number)), term).toBeLessThanOrEqual(1e-5 * scale);
      }
    });
  });

  it('matches naive backprop with a functional g schedule (√ of a VP-like β(t))', () => {
    const m: Parts = { drift, score, diffusion: functionalDiffusion((t) => Math.sqrt(0.5 + 40 * t)) };
    const grid = flexibleGridAt(spec(7), 3, 4);
    expect(worstGradientError(run(adjointGradients, m, grid), run(naiveGradients, m, grid))).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it('composes with progressive training: N changes between iterations, the flexible grid is re-drawn', () => {
    const schedule = progressiveSchedule({ steps: [1, 2, 7], switchAt: [2, 4] });
    for (const iteration of [0, 3, 5]) {
      const grid = flexibleGridAt(spec(schedule.stepsAt(iteration)), 21, iteration);
      expect(grid).toHaveLength(schedule.stepsAt(iteration) + 1);
      const adjoint = run(adjointGradients, model, grid, 7, iteration);
      const naive = run(naiveGradients, model, grid, 7, iteration);
      expect(worstGradientError(adjoint, naive), `iteration ${iteration}`).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    }
  });

  it('agrees with central finite differences of the loss on scalar parameters', () => {
    // the largest-gradient entry of six tensors (|∂L/∂θ| ≥ 2e-3); ε and tolerance: expectFiniteDifferences
    const grid = fixedGrid(spec(7));
    const adjoint = run(adjointGradients, model, grid);
    const checked = [
      [drift, 'output.bias'],
      [drift, 'output.weight'],
      [drift, 'input.weight'],
      [score, 'output.bias'],
      [score, 'hidden.0.weight'],
      [score, 'input.weight'],
    ] as const;
    expectFiniteDifferences(adjoint, checked, grid);
  });

  it('evaluates each network once per point per pass: drift N + 1, score N, N + 1 and N pull-backs', () => {
    for (const n of [1, 7]) {
      const d = counted(drift, true);
      const s = counted(score, true);
      const grid = fixedGrid(spec(n));
      const viaOwnVjp = run(adjointGradients, { drift: d, score: s, diffusion: piecewise }, grid);
      expect({ driftApplies: d.applies, scoreApplies: s.applies, driftVjps: d.vjps, scoreVjps: s.vjps }).toEqual({
        driftApplies: n + 1, // x_0 … x_{N−1} in the forward pass, x_N in the backward walk
        scoreApplies: n, // x_1 … x_N, backward walk only
        driftVjps: n + 1,
        scoreVjps: n,
      });
      // wrappers without a pull-back of their own force tfjs autodiff through `apply`; the result is
      // the same whichever path `vjp` takes for the inner network (float32 rounding, 1e-5)
      const viaAutodiff = run(adjointGradients, { drift: counted(drift, false), score: counted(score, false), diffusion: piecewise }, grid);
      expect(worstGradientError(viaOwnVjp, viaAutodiff)).toBeLessThanOrEqual(1e-5);
    }
    const d = counted(drift, true);
    run(adjointStrategy({ driftValues: 'recompute' }), { drift: d, score, diffusion: piecewise }, fixedGrid(spec(7)));
    expect(d.applies).toBe(14); // 2N: x_0 … x_{N−1} forward, x_1 … x_N backward
  });

  it('with a drift that linearises: keeps the rollout’s forward passes within the budget (full caches when all fit, else compact) and pulls back through them', () => {
    const n = 7;
    const grid = fixedGrid(spec(n));
    const reference = run(adjointStrategy({ driftCacheBytes: 0 }), model, grid);
    const grads: Record<string, number[][]> = {};
    for (const [budget, kept, compact] of [
      [undefined, n, 0], // default 80 MiB: every step, full caches (all n of them fit)
      [fullStepCacheBytes + (n - 1) * stepCacheBytes, n, n - 1], // n full ones do not fit: step 0 full, the rest compact
      [3 * stepCacheBytes + 100, 2, 2], // step 0 full, step 1 compact; step 2 is linearised, found too big and dropped
      [stepCacheBytes - 1, 0, 0], // not even one: the one (full) linearised step is dropped, nothing more is tried
    ] as const) {
      const d = counted(drift, true, true);
      const s = counted(score, true, true);
      const strategy = adjointStrategy(budget === undefined ? {} : { driftCacheBytes: budget });
      const before = tf.memory().numTensors;
      const result = run(strategy, { drift: d, score: s, diffusion: piecewise }, grid);
      expect(tf.memory().numTensors).toBe(before);
      expect(
        { compact: d.compact, linearizations: d.linearizations, pullbacks: d.pullbacks, vjps: d.vjps, applies: d.applies, scoreLinearizations: s.linearizations },
        `budget ${budget}`,
      ).toEqual({
        compact,
        linearizations: Math.min(kept + 1, n) + 1, // the rollout tries one step past the budget (then stops trying), plus F_N's value and pull-back in one pass
        pullbacks: kept + 1, // cached steps and x_N
        vjps: n - kept, // the other points x_j, j < N: value replayed, pull-back from a fresh forward pass
        applies: n - Math.min(kept + 1, n), // rollout steps after the budget ran out
        scoreLinearizations: n,
      });
      expect(worstGradientError(result, reference), `budget ${budget}`).toBeLessThanOrEqual(1e-5);
      grads[String(budget)] = Object.values(result.grads).map((g) => Array.from(g));
    }
    // full and compact caches run the same ops: the same gradients to the bit
    expect(grads[String(fullStepCacheBytes + (n - 1) * stepCacheBytes)]).toEqual(grads['undefined']);
    expect(() => adjointStrategy({ driftCacheBytes: -1 })).toThrow(/driftCacheBytes must be a number ≥ 0, got -1/);
    expect(() => adjointStrategy({ driftCacheBytes: Number.NaN })).toThrow(/driftCacheBytes must be a number ≥ 0/);
  });

  it('by default keeps all 30 steps of the reference network on a 1,250-row chunk (B = 5000 on two threads)', () => {
    const reference = fourierMlp({ dim: 2, hidden: 128, layers: 3, seed: 4, name: 'reference' });
    const x = tf.zeros([1250, 2]);
    const lin = linearize(reference, x, 0.01, { compact: true });
    const perStep = lin.cacheBytes;
    tf.dispose([lin.value, x]);
    lin.dispose();
    reference.dispose();
    expect(30 * perStep).toBeLessThanOrEqual(defaultDriftCacheBytes);
    expect(31 * perStep).toBeGreaterThan(defaultDriftCacheBytes - 8 * 2 ** 20); // no more than ~3 steps of slack
  });

  it('re-evaluates the drift instead of replaying it where Δt_{j−1} ≫ Δt_j, and still matches naive', () => {
    // Δt = [0.019, 1e-4, 0.0299]: at x_2 the ratio Δt_1/Δt_2 < 1 (replayed), at x_1 it is 190 (re-evaluated)
    const grid = [0.001, 0.02, 0.0201, 0.05];
    const d = counted(drift, true);
    const adjoint = run(adjointGradients, { drift: d, score, diffusion: piecewise }, grid);
    expect(d.applies).toBe(3 + 1 + 1);
    expect(worstGradientError(adjoint, run(naiveGradients, model, grid))).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it('sums the gradients of a variable shared by drift and score (a common trunk)', () => {
    const trunk: VectorField = {
      name: 'score-from-drift',
      parameters: drift.parameters,
      parameterCount: drift.parameterCount,
      dispose: () => undefined,
      apply: (x, t) => tf.tidy(() => tf.mul(drift.apply(x, t), -0.5)),
    };
    const m: Parts = { drift, score: trunk, diffusion: piecewise };
    const grid = fixedGrid(spec(2));
    const adjoint = run(adjointGradients, m, grid);
    expect(Object.keys(adjoint.grads)).toHaveLength(drift.parameters.length);
    expect(worstGradientError(adjoint, run(naiveGradients, m, grid))).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it(`sums per-step gradients ${gradientSumSteps} at a time with AddN, which adds in order: the running sum's value to the bit`, () => {
    // what the backward walk relies on for its gradients to equal the step-by-step sums exactly
    const steps = Array.from({ length: 2 * gradientSumSteps + 3 }, (_, k) => tf.mul(replayableNormal([16, 16], { seed: 5, purpose: 'sum', iteration: 0, step: k }), 10 ** ((k % 7) - 3)));
    const running = expectNoLeaks(() => {
      let acc = tf.clone(steps[0] as tf.Tensor);
      for (const g of steps.slice(1)) {
        const next = tf.add(acc, g);
        acc.dispose();
        acc = next;
      }
      const values = Array.from(acc.dataSync());
      acc.dispose();
      return values;
    });
    const blocked = expectNoLeaks(() => {
      let acc: tf.Tensor | null = null;
      for (let k = 0; k < steps.length; k += gradientSumSteps) {
        const next: tf.Tensor = tf.addN([...(acc === null ? [] : [acc]), ...steps.slice(k, k + gradientSumSteps)]);
        acc?.dispose();
        acc = next;
      }
      const values = Array.from((acc as tf.Tensor).dataSync());
      acc?.dispose();
      return values;
    });
    expect(blocked).toEqual(running);
    tf.dispose(steps);
  });

  it('with time tables (the default) gives the loss terms and every gradient outside the time embedding of timeTables: false bit for bit, and the time embedding’s within 1e-5', () => {
    const grid = fixedGrid(spec(9));
    const timeParameters = ['time.phase', 'time.0.weight', 'time.0.bias', 'time.1.weight'];
    for (const options of [{}, { driftCacheBytes: 0 }, { driftValues: 'recompute' as const }, { driftCacheBytes: 3 * stepCacheBytes }]) {
      const before = tf.memory().numTensors;
      // one score linearisation per point, as without tables (the batched score pass reorders the score's sums: tested below)
      const tabled = run(adjointStrategy({ ...options, batchedScoreBytes: 0 }), model, grid);
      const plain = run(adjointStrategy({ ...options, timeTables: false }), model, grid);
      expect(tf.memory().numTensors).toBe(before);
      expect(tabled.loss, JSON.stringify(options)).toEqual(plain.loss);
      expect(Object.keys(tabled.grads).sort()).toEqual(Object.keys(plain.grads).sort());
      for (const [name, g] of Object.entries(plain.grads)) {
        const ours = tabled.grads[name] as Float32Array;
        if (timeParameters.some((p) => name.endsWith(`/${p}`))) expect(relativeError(ours, g), name).toBeLessThanOrEqual(1e-5);
        else expect(Array.from(ours), name).toEqual(Array.from(g));
      }
    }
    expect(() => adjointStrategy({ timeTables: 'yes' as unknown as boolean })).toThrow(/timeTables must be true or false/);
  });

  it('with time tables runs fewer kernels: the time embedding once per field and call, not per network evaluation', async () => {
    const grid = fixedGrid(spec(9));
    const kernels = async (timeTables: boolean): Promise<number> =>
      (await tf.profile(() => disposeGradientResult(adjointStrategy({ timeTables })(asModel(model), x0, grid, forwardNoise(7, 0))))).kernels.length;
    const tabled = await kernels(true);
    const plain = await kernels(false);
    // 2N + 1 = 19 forward passes and pull-backs of the time embedding: ~30 kernels each, against ~60 for the two tables
    expect(plain - tabled).toBeGreaterThan(19 * 20);
  });

  describe('batched score passes (batchedScoreBytes)', () => {
    const n = 9;
    const grid = fixedGrid(spec(n));
    /** Bytes of one point's score pass: B = 16 rows × 2 (layer input, gate derivative) × 2 gated layers × 16 floats. */
    const pointBytes = 16 * 2 * 2 * 16 * 4;
    const isScore = (name: string): boolean => name.startsWith(score.parameters[0]?.variable.name.split('/')[0] ?? '?');
    const driftOptions = [{}, { driftCacheBytes: 0 }, { driftValues: 'recompute' as const }, { driftCacheBytes: 3 * stepCacheBytes }];

    it('gives the per-point walk’s loss terms and drift gradients bit for bit and the score’s within 1e-5 relative, all points in one pass or in chunks, without leaks', () => {
      for (const options of driftOptions) {
        const before = tf.memory().numTensors;
        const perPoint = run(adjointStrategy({ ...options, batchedScoreBytes: 0 }), model, grid);
        // all 9 points, chunks of 4 + 4 + 1, of 2, and of 1 point (which is the per-point walk's arithmetic: bit for bit)
        for (const points of [n, 4, 2, 1]) {
          const batched = run(adjointStrategy({ ...options, batchedScoreBytes: points * pointBytes + 100 }), model, grid);
          const what = `${JSON.stringify(options)}, ${points} points a pass`;
          expect(batched.loss, what).toEqual(perPoint.loss);
          expect(Object.keys(batched.grads).sort()).toEqual(Object.keys(perPoint.grads).sort());
          for (const [name, g] of Object.entries(perPoint.grads)) {
            const ours = batched.grads[name] as Float32Array;
            // the score's gradients are sums over points and rows in another order (float32: observed ≤ 1e-6)
            if (isScore(name) && points > 1) expect(relativeError(ours, g), `${what}: ${name}`).toBeLessThanOrEqual(1e-5);
            else expect(Array.from(ours), `${what}: ${name}`).toEqual(Array.from(g));
          }
        }
        expect(tf.memory().numTensors).toBe(before);
      }
    });

    it('by default runs 4 points a pass of the main job’s score (width 64) at B = 512, 8 at a two-thread shard’s 256 rows', () => {
      const mainScore = fourierMlp({ dim: 2, hidden: 64, layers: 3, seed: 4, name: 'main-score' });
      const table = mainScore.timeTable([0.01]);
      const perRow = table.cacheBytesPerRow();
      table.dispose();
      mainScore.dispose();
      expect(Math.floor(defaultBatchedScoreBytes / (512 * perRow))).toBe(4);
      expect(Math.floor(defaultBatchedScoreBytes / (256 * perRow))).toBe(8);
    });

    it('matches naive backprop and central finite differences (the same noise) with all points in one pass', () => {
      const batched = run(adjointStrategy({ batchedScoreBytes: n * pointBytes }), model, grid);
      expect(worstGradientError(batched, run(naiveGradients, model, grid))).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
      expectFiniteDifferences(batched, ['output.bias', 'output.weight', 'hidden.0.weight', 'input.weight'].map((p) => [score, p] as const), grid);
    });

    it('runs fewer kernels than one score linearisation per point', async () => {
      const kernels = async (batchedScoreBytes: number): Promise<number> =>
        (await tf.profile(() => disposeGradientResult(adjointStrategy({ batchedScoreBytes })(asModel(model), x0, grid, forwardNoise(7, 0))))).kernels.length;
      const batched = await kernels(n * pointBytes);
      const perPoint = await kernels(0);
      // a score linearisation per point runs ~30 kernels on wasm (its gates and hidden pull-backs are one
      // kernel each there; ~45 with tfjs's ops); the pass adds a few splits and concatenations
      expect(perPoint - batched).toBeGreaterThan(200);
    });

    it('names the point of a non-finite score as the per-point walk does, without leaks', () => {
      const bad = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 2, name: 'nan-score' });
      const bias = bad.parameters.find((p) => p.name === 'output.bias')?.variable as tf.Variable;
      bias.assign(tf.fill([2], Number.NaN));
      const m: Parts = { drift, score: bad, diffusion: piecewise };
      const messages = [0, n * pointBytes, 2 * pointBytes].map((batchedScoreBytes) => {
        const before = tf.memory().numTensors;
        let caught: unknown;
        try {
          adjointStrategy({ batchedScoreBytes })(asModel(m), x0, grid, forwardNoise(7, 0));
        } catch (e) {
          caught = e;
        }
        expect(tf.memory().numTensors, `batchedScoreBytes ${batchedScoreBytes}`).toBe(before);
        expect(caught).toBeInstanceOf(NonFiniteFieldError);
        return (caught as Error).message;
      });
      expect(messages[0]).toMatch(/step 9/);
      expect(messages[1]).toBe(messages[0]);
      expect(messages[2]).toBe(messages[0]);
      bad.dispose();
      expect(() => adjointStrategy({ batchedScoreBytes: -1 })).toThrow(/batchedScoreBytes must be a number ≥ 0, got -1/);
    });
  });

  it('leaks no tensors after 1 and after 3 calls, for both strategies', () => {
    const grid = flexibleGridAt(spec(3), 5, 0);
    for (const strategy of [adjointGradients, naiveGradients]) {
      expectNoLeaks(() => strategy(asModel(model), x0, grid, forwardNoise(1, 0)));
      expectNoLeaks(() => [0, 1, 2].map((it) => strategy(asModel(model), x0, grid, forwardNoise(1, it))));
    }
  });

  it('rejects a schedule with g = 0 where δ^B needs noise, without leaking', () => {
    const vanishing: Diffusion = piecewiseDiffusion([1e-3, 0.05], [0.2, 0]);
    const before = tf.memory().numTensors;
    expect(() => adjointGradients(asModel({ drift, score, diffusion: vanishing }), x0, fixedGrid(spec(3)), forwardNoise(1, 0))).toThrow(RangeError);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => adjointGradients(asModel(model), x0, [0.01], forwardNoise(1, 0))).toThrow(/at least 2 time points/);
    expect(() => adjointStrategy({ driftValues: 'cached' as 'replay' })).toThrow(/driftValues must be/);
  });
});

describe('gradientStrategy', () => {
  it('chooses a strategy by name, adjoint and naive', () => {
    expect(gradientStrategy('adjoint')).toBe(adjointGradients);
    expect(gradientStrategy('naive')).toBe(naiveGradients);
    expect(() => gradientStrategy('backprop' as 'naive')).toThrow(/must be one of adjoint, naive, got 'backprop'/);
  });
});
