import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, purposeSeed, type DiffusionModel, type VectorField } from '@diffflow/sde-core';
import { negativeElbo } from '@diffflow/likelihood';
import { disposeModel } from '@diffflow/training';
import { expectNoLeaks } from '@diffflow/test-utils';
import { evaluateHeldOut, heldOutGrid, heldOutLikelihood, heldOutNll, natsReport, type HeldOutSet } from './held_out.js';

/** A field x ↦ a·x without weights. */
function linearField(name: string, a: number): VectorField {
  return { name, parameters: [], parameterCount: 0, apply: (x: tf.Tensor) => tf.tidy(() => tf.mul(x, a)), dispose: () => undefined } as unknown as VectorField;
}

/**
 * Drift f(x, t) = a·x and score ≡ 0: the probability-flow velocity is v = a·x, so the ODE carries
 * y to y·e^{aΔ} (Δ = T − t_0) with ∫ tr(∂v/∂x) dt = D·a·Δ, and under the N(0, I) prior
 *   −log p_y(y) = ½‖y‖² e^{2aΔ} + (D/2) log 2π − D·a·Δ.
 */
function linearModel(a: number): DiffusionModel {
  return diffusionModel(diffflowSde({ drift: linearField('drift', a), diffusion: constantDiffusion(0.5), interval: [0, 1] }), linearField('score', 0));
}

describe('natsReport', () => {
  it('moves a model-coordinate mean to the dataset coordinates, per dim and in bits', () => {
    const r = natsReport(3, 0.1, 0.5, 2, 7);
    expect(r).toEqual({ nats: 2.5, standardError: 0.1, natsPerDim: 1.25, bitsPerDim: 2.5 / (2 * Math.LN2), modelNats: 3, ms: 7 });
    expect(natsReport(3, Number.NaN, 0, 1, 0).standardError).toBeNull();
    expect(() => natsReport(3, 0, 0, 0, 0)).toThrow(/dim must be an integer ≥ 1/);
  });
});

describe('heldOutLikelihood', () => {
  const grid = fixedGrid({ steps: 8, tMin: 1e-3, tMax: 1, beta: 1 });
  const delta = 1 - 1e-3;
  const data = [0.3, -1.2, 1.5, 0.4, -0.7, 0.9, 0, 2];
  const closedForm = (a: number, i: number): number => {
    const q = (data[2 * i] as number) ** 2 + (data[2 * i + 1] as number) ** 2;
    return 0.5 * q * Math.exp(2 * a * delta) + Math.log(2 * Math.PI) - 2 * a * delta;
  };

  it.each(['rk45', 'rk4'] as const)('%s: −log p per point matches the closed form of a linear velocity, moved by logDet (1e-3 nats)', (solver) => {
    const a = 0.4;
    const model = linearModel(a);
    const y = tf.tensor2d(data, [4, 2]);
    const logDet = 0.75;
    try {
      const r = expectNoLeaks(() => heldOutLikelihood(model, y, { grid, solver, rtol: 1e-6, atol: 1e-6, trace: { kind: 'exact' }, elbo: { seed: 5, draws: 3 }, logDet }));
      // RK4 with N = 8 on e^{0.4t}: error ~ (h·a)^4 — far below 1e-3
      for (let i = 0; i < 4; i++) expect(Math.abs((r.perSampleNll[i] as number) - (closedForm(a, i) - logDet))).toBeLessThan(1e-3);
      const want = [0, 1, 2, 3].reduce((s, i) => s + closedForm(a, i), 0) / 4;
      expect(Math.abs(r.nll.modelNats - want)).toBeLessThan(1e-3);
      expect(r.nll.nats).toBeCloseTo(r.nll.modelNats - logDet, 10);
      expect(r.nll.bitsPerDim).toBeCloseTo(r.nll.nats / (2 * Math.LN2), 10);
      expect(Math.abs(r.nll.traceIntegral - 2 * a * delta)).toBeLessThan(1e-3);
      expect(r.nll.standardError).toBeGreaterThan(0);
      expect([r.dim, r.n, r.logDet, r.nll.solver, r.nll.trace, r.nll.probes]).toEqual([2, 4, logDet, solver, 'exact', null]);
      if (solver === 'rk4') expect(r.nll.nfe).toBe(4 * 8);
    } finally {
      y.dispose();
      disposeModel(model);
    }
  });

  it("reports likelihood's negativeElbo on the same points and noise, moved by logDet; Hutchinson probes are named", () => {
    const model = linearModel(-0.3);
    const y = tf.tensor2d(data, [4, 2]);
    try {
      const r = heldOutLikelihood(model, y, { grid, solver: 'rk4', rtol: 1e-5, atol: 1e-5, trace: { kind: 'hutchinson', probes: 2, seed: 1 }, elbo: { seed: 9, draws: 3, batchSize: 2 }, logDet: -1.5 });
      const direct = negativeElbo(model, y, grid, { seed: 9, draws: 3, batchSize: 2 });
      expect(r.negativeElbo.modelNats).toBe(direct.nats);
      // rows' noise is keyed by row, so another batch size changes only float32 summation order
      expect(Math.abs(negativeElbo(model, y, grid, { seed: 9, draws: 3 }).nats - direct.nats)).toBeLessThan(1e-5);
      expect(r.negativeElbo.nats).toBeCloseTo(direct.nats + 1.5, 10);
      expect(r.negativeElbo.perDraw).toEqual(direct.perDraw.map((v) => v + 1.5));
      expect(r.negativeElbo.standardError).toBe(direct.standardError);
      expect([r.negativeElbo.steps, r.negativeElbo.draws]).toEqual([8, 3]);
      expect([r.nll.trace, r.nll.probes]).toEqual(['hutchinson', 2]);
      // a linear velocity has a constant trace: Hutchinson's estimate of it is exact
      expect(Math.abs(r.nll.traceIntegral - 2 * -0.3 * delta)).toBeLessThan(1e-3);
    } finally {
      y.dispose();
      disposeModel(model);
    }
  });

  it('refuses a non-finite logDet, naming it', () => {
    const model = linearModel(0);
    const y = tf.tensor2d(data, [4, 2]);
    expect(() => heldOutLikelihood(model, y, { grid, solver: 'rk4', rtol: 1e-5, atol: 1e-5, trace: { kind: 'exact' }, elbo: { seed: 0, draws: 1 }, logDet: Number.NaN })).toThrow(/logDet must be finite/);
    expect(() => heldOutNll(model, y, { grid, solver: 'rk4', rtol: 1e-5, atol: 1e-5, trace: { kind: 'exact' }, logDet: Number.POSITIVE_INFINITY })).toThrow(/heldOutNll: logDet must be finite/);
    y.dispose();
    disposeModel(model);
  });
});

describe('heldOutNll', () => {
  const grid = fixedGrid({ steps: 8, tMin: 1e-3, tMax: 1, beta: 1 });
  const data = [0.3, -1.2, 1.5, 0.4, -0.7, 0.9, 0, 2];

  it("is heldOutLikelihood's NLL half, bit for bit (per point and the mean, dataset coordinates); leak-free", () => {
    const model = linearModel(0.4);
    const y = tf.tensor2d(data, [4, 2]);
    try {
      const options = { grid, solver: 'rk4', rtol: 1e-5, atol: 1e-5, trace: { kind: 'exact' }, logDet: 0.75 } as const;
      const half = expectNoLeaks(() => heldOutNll(model, y, options));
      const whole = heldOutLikelihood(model, y, { ...options, elbo: { seed: 3, draws: 2 } });
      expect(Array.from(half.perSampleNll)).toEqual(Array.from(whole.perSampleNll));
      expect({ ...half.nll, ms: 0 }).toEqual({ ...whole.nll, ms: 0 });
      expect(half.nll.nats).toBeCloseTo(half.nll.modelNats - 0.75, 12);
    } finally {
      y.dispose();
      disposeModel(model);
    }
  });
});

const config = { tMin: 1e-3, T: 1, beta: 1 };
const settings = { solver: 'rk45', steps: 8, rtol: 1e-6, atol: 1e-6, draws: 2, seed: 4 } as const;
/** Four points of D = 2 in the dataset's coordinates, seen by the model as y = x / 2 (log|det ∂y/∂x| = 2 log ½). */
const set: HeldOutSet = { x: Float32Array.of(0.6, -2.4, 3, 0.8, -1.4, 1.8, 0, 4), dim: 2, toModel: (x) => x.map((v) => v / 2), logDet: 2 * Math.log(0.5) };

describe('heldOutGrid', () => {
  it("is the run's fixed grid from t_0 to T, uniform in t^β", () => {
    expect(heldOutGrid({ tMin: 0.01, T: 2, beta: 0.5 }, 5)).toEqual(fixedGrid({ steps: 5, tMin: 0.01, tMax: 2, beta: 0.5 }));
  });
});

describe('evaluateHeldOut', () => {
  it('−log p per point in the dataset coordinates matches the closed form of a linear velocity (1e-3 nats)', () => {
    const a = 0.4;
    const model = linearModel(a);
    const delta = config.T - config.tMin;
    try {
      const r = expectNoLeaks(() => evaluateHeldOut(model, config, set, settings));
      expect([r.n, r.dim, r.logDet, r.nll.solver, r.nll.trace, r.negativeElbo.steps, r.negativeElbo.draws]).toEqual([4, 2, set.logDet, 'rk45', 'exact', 8, 2]);
      for (let i = 0; i < 4; i++) {
        const q = ((set.x[2 * i] as number) / 2) ** 2 + ((set.x[2 * i + 1] as number) / 2) ** 2;
        const want = 0.5 * q * Math.exp(2 * a * delta) + Math.log(2 * Math.PI) - 2 * a * delta - set.logDet;
        expect(Math.abs((r.perSampleNll[i] as number) - want)).toBeLessThan(1e-3);
      }
    } finally {
      disposeModel(model);
    }
  });

  it("is heldOutLikelihood on the run's grid with the ELBO keyed from purposeSeed(seed, 'test-noise'), bit for bit", () => {
    const model = linearModel(-0.3);
    const y = tf.tensor2d(set.toModel(set.x), [4, 2]);
    try {
      const trace = { kind: 'hutchinson', probes: 2, seed: 9 } as const;
      const got = evaluateHeldOut(model, config, set, { ...settings, solver: 'rk4' }, { trace, batchSize: 3, elboBatchSize: 2 });
      const want = heldOutLikelihood(model, y, {
        grid: fixedGrid({ steps: 8, tMin: 1e-3, tMax: 1, beta: 1 }),
        solver: 'rk4',
        rtol: 1e-6,
        atol: 1e-6,
        trace,
        batchSize: 3,
        elbo: { seed: purposeSeed(4, 'test-noise'), draws: 2, batchSize: 2 },
        logDet: set.logDet,
      });
      expect([...got.perSampleNll]).toEqual([...want.perSampleNll]);
      expect(got.negativeElbo.perDraw).toEqual(want.negativeElbo.perDraw);
      expect([got.nll.nfePerChunk, got.nll.probes]).toEqual([[4 * 8, 4 * 8], 2]);
    } finally {
      y.dispose();
      disposeModel(model);
    }
  });

  it('refuses a set that is not whole rows of D, or a map that changes its length — without leaking', () => {
    const model = linearModel(0.1);
    try {
      expectNoLeaks(() => {
        expect(() => evaluateHeldOut(model, config, { ...set, dim: 0 }, settings)).toThrow(/set\.dim must be an integer ≥ 1; got 0/);
        expect(() => evaluateHeldOut(model, config, { ...set, x: Float32Array.of(1, 2, 3) }, settings)).toThrow(/set\.x must hold n ≥ 1 rows of D = 2; got 3 numbers/);
        expect(() => evaluateHeldOut(model, config, { ...set, x: new Float32Array(0) }, settings)).toThrow(RangeError);
        expect(() => evaluateHeldOut(model, config, { ...set, toModel: (x) => x.subarray(2) }, settings)).toThrow(/toModel must keep the shape \[4, 2\]; it returned 6/);
        // an error inside the likelihood (here: a non-finite log-det) still frees the points' tensor
        expect(() => evaluateHeldOut(model, config, { ...set, logDet: Number.NaN }, settings)).toThrow(/logDet must be finite/);
      });
    } finally {
      disposeModel(model);
    }
  });
});
