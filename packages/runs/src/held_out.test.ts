import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, type DiffusionModel, type VectorField } from '@diffflow/sde-core';
import { negativeElbo } from '@diffflow/likelihood';
import { expectNoLeaks } from '@diffflow/test-utils';
import { saveCheckpoint } from './checkpoint.js';
import { formatError } from '@diffflow/cli';
import { heldOutLikelihood, loadEmaRun, natsReport } from './held_out.js';
import { checkpointFromState } from './trainer_checkpoint.js';

/** A field x ↦ a·x with one named weight (the EMA tests assign it), or without weights. */
function linearField(name: string, a: number, weights = 0): VectorField {
  const parameters = weights === 0 ? [] : [{ name: 'w', variable: tf.variable(tf.zeros([weights]), true, `${name}-${Math.random()}`) }];
  return {
    name,
    parameters,
    parameterCount: weights,
    apply: (x: tf.Tensor) => tf.tidy(() => tf.mul(x, a)),
    dispose: () => parameters.forEach((p) => p.variable.dispose()),
  } as unknown as VectorField;
}

/**
 * Drift f(x, t) = a·x and score ≡ 0: the probability-flow velocity is v = a·x, so the ODE carries
 * y to y·e^{aΔ} (Δ = T − t_0) with ∫ tr(∂v/∂x) dt = D·a·Δ, and under the N(0, I) prior
 *   −log p_y(y) = ½‖y‖² e^{2aΔ} + (D/2) log 2π − D·a·Δ.
 */
function linearModel(a: number, weights = 0): DiffusionModel {
  return diffusionModel(diffflowSde({ drift: linearField('drift', a, weights), diffusion: constantDiffusion(0.5), interval: [0, 1] }), linearField('score', 0, weights));
}

const dispose = (m: DiffusionModel): void => {
  m.sde.drift.dispose();
  m.score.dispose();
};

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
      dispose(model);
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
      dispose(model);
    }
  });

  it('refuses a non-finite logDet, naming it', () => {
    const model = linearModel(0);
    const y = tf.tensor2d(data, [4, 2]);
    expect(() => heldOutLikelihood(model, y, { grid, solver: 'rk4', rtol: 1e-5, atol: 1e-5, trace: { kind: 'exact' }, elbo: { seed: 0, draws: 1 }, logDet: Number.NaN })).toThrow(/logDet must be finite/);
    y.dispose();
    dispose(model);
  });
});

describe('loadEmaRun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'held-out-'));

  it('builds the run folder’s checkpoint with the EMA weights, keeping config, iteration and what build added (not the bytes)', async () => {
    const state = { iteration: 5, adamStep: 5, emaUpdates: 5, tensors: new Map([['ema/drift/w', tf.tensor1d([1, 2])], ['ema/score/w', tf.tensor1d([3, 4])]]) };
    await saveCheckpoint(join(dir, 'checkpoint.bin'), checkpointFromState(state, { config: { a: 0.5 }, scale: 2 }))();
    tf.dispose([...state.tensors.values()]);
    const r = await loadEmaRun(dir, {
      checkpoint: 'checkpoint.bin',
      decode: (ckpt) => E.right(ckpt.meta['config'] as { a: number }),
      build: (config, ckpt) => E.right({ model: linearModel(config.a, 2), scale: ckpt.meta['scale'] as number }),
      train: 'x:train',
    })();
    if (E.isLeft(r)) throw new Error(formatError(r.left));
    expect(Object.keys(r.right).sort()).toEqual(['config', 'iteration', 'model', 'scale']);
    expect([r.right.config, r.right.iteration, r.right.scale]).toEqual([{ a: 0.5 }, 5, 2]);
    expect(Array.from(r.right.model.score.parameters[0]?.variable.dataSync() ?? [])).toEqual([3, 4]);
    dispose(r.right.model);
  });

  it('a missing checkpoint names the file and the command that trains one', async () => {
    const r = await loadEmaRun(join(dir, 'nope'), { checkpoint: 'checkpoint.bin', decode: () => E.right({}), build: () => E.right({ model: linearModel(0) }), train: 'x:train' })();
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) expect(formatError(r.left)).toMatch(/nope\/checkpoint\.bin.*no trained run in '.*nope'; train one with x:train or pass --run=<folder>/);
  });
});
