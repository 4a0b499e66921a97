import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { expectNoLeaks } from '@diffflow/test-utils';
import { tabularDefaults, type TabularConfig } from './config.js';
import { fitStandardizer, gatherRows, standardizerLogDet } from '@diffflow/datasets';
import { loadTabularData, type TabularData } from './data.js';
import { autoTrace, evaluateTabular, formatResultTable, resultCsv, resultRows, testRows, type EvalSettings } from './eval.js';
import { tabularModel } from './model.js';
import { disposeModel, namedParameters } from '@diffflow/training';

const config: TabularConfig = { ...tabularDefaults, hidden: 8, layers: 1, steps: 5 };
const settings: EvalSettings = { n: 300, solver: 'rk45', steps: 5, rtol: 1e-6, atol: 1e-6, trace: 'exact', probes: 1, draws: 1, batchSize: 128, seed: 3 };

async function synthetic(): Promise<TabularData> {
  const r = await loadTabularData('synthetic', '')();
  if (E.isLeft(r)) throw new Error('expected Right');
  return r.right;
}

/**
 * A model whose probability-flow velocity is a known constant: drift ≡ c (only the output bias of
 * the drift is non-zero), score ≡ 0. The ODE then moves y to y + c(T − t_0) with zero trace, so
 *   −log p_y(y) = ½‖y + c(T − t_0)‖² + (D/2) log 2π   and   −log p_x(x) = −log p_y(y) − log|det ∂y/∂x|.
 */
function constantVelocityModel(dim: number, c: number[]) {
  const model = tabularModel(config, dim);
  for (const p of namedParameters(model)) {
    const value = p.name === 'drift/output.bias' ? tf.tensor1d(c) : tf.zerosLike(p.variable);
    p.variable.assign(value);
    value.dispose();
  }
  return model;
}

describe('evaluateTabular', () => {
  it('gives −log p in the dataset coordinates: matches the closed form of a constant-velocity model (float64, 1e-3 nats)', async () => {
    const data = await synthetic();
    const standardizer = fitStandardizer(data.dataset.train);
    const c = [0.5, -1, 2, 0, 1.5, -0.25];
    const model = constantVelocityModel(6, c);
    try {
      const r = expectNoLeaks(() => evaluateTabular({ config, standardizer, model }, data, settings));
      const shift = config.T - config.tMin;
      const x = gatherRows(data.dataset.test, testRows(data, settings.n, settings.seed));
      const logDet = standardizerLogDet(standardizer);
      expect(r.standardizerLogDet).toBeCloseTo(logDet, 10);
      let worst = 0;
      let sum = 0;
      for (let i = 0; i < settings.n; i++) {
        let q = 0;
        for (let j = 0; j < 6; j++) {
          const y = (x[i * 6 + j]! - standardizer.mean[j]!) / standardizer.std[j]! + c[j]! * shift;
          q += y * y;
        }
        const want = 0.5 * q + 3 * Math.log(2 * Math.PI) - logDet;
        worst = Math.max(worst, Math.abs(r.perSampleNll[i]! - want));
        sum += want;
      }
      expect(worst).toBeLessThan(1e-3);
      expect(Math.abs(r.nll.nats - sum / settings.n)).toBeLessThan(1e-3);
      expect(Math.abs(r.nll.traceIntegral)).toBeLessThan(1e-6);
      expect(r.nll.modelNats - r.nll.nats).toBeCloseTo(logDet, 4);
      expect(r.n).toBe(settings.n);
    } finally {
      disposeModel(model);
    }
  });

  it('synthetic: the truth on the same rows, and the gap = model NLL − true NLL with a paired standard error', async () => {
    const data = await synthetic();
    const standardizer = fitStandardizer(data.dataset.train);
    const model = constantVelocityModel(6, [0, 0, 0, 0, 0, 0]);
    try {
      const r = evaluateTabular({ config, standardizer, model }, data, { ...settings, n: 200 });
      const x = gatherRows(data.dataset.test, testRows(data, 200, settings.seed));
      const trueNll = -data.logDensity!(x).reduce((a, b) => a + b, 0) / 200;
      expect(r.truth!.testNll).toBeCloseTo(trueNll, 8);
      expect(r.truth!.gap).toBeCloseTo(r.nll.nats - trueNll, 4);
      // the standardised-Gaussian model is worse than the truth by about the mixture's non-Gaussianity
      expect(r.truth!.gap).toBeGreaterThan(0.3);
      expect(r.truth!.gapStandardError).toBeGreaterThan(0);
      expect(r.truth!.gapStandardError).toBeLessThan(r.nll.standardError!);
    } finally {
      disposeModel(model);
    }
  });

  it('Hutchinson on a field with a zero Jacobian is exact; a dimension mismatch is a RangeError', async () => {
    const data = await synthetic();
    const standardizer = fitStandardizer(data.dataset.train);
    const model = constantVelocityModel(6, [1, 0, 0, 0, 0, 0]);
    try {
      const exact = evaluateTabular({ config, standardizer, model }, data, { ...settings, n: 50 });
      const hutch = evaluateTabular({ config, standardizer, model }, data, { ...settings, n: 50, trace: 'hutchinson', probes: 2 });
      expect(hutch.nll.probes).toBe(2);
      expect(Math.abs(hutch.nll.nats - exact.nll.nats)).toBeLessThan(1e-4);
      const wrong = { ...data, dataset: { ...data.dataset, dim: 5 } };
      expect(() => evaluateTabular({ config, standardizer, model }, wrong, settings)).toThrow(RangeError);
    } finally {
      disposeModel(model);
    }
  });
});

describe('trace choice and the results table', () => {
  it('--trace=auto: exact up to D = 8, Hutchinson above (HEPMASS 21, MINIBOONE 43, BSDS300 63)', () => {
    expect([6, 8, 9, 21, 43, 63].map(autoTrace)).toEqual(['exact', 'exact', 'hutchinson', 'hutchinson', 'hutchinson', 'hutchinson']);
  });

  const fake = {
    dim: 6,
    n: 10,
    standardizerLogDet: 0,
    nll: { nats: -0.5, standardError: 0.01, natsPerDim: 0, bitsPerDim: 0, modelNats: -0.5, ms: 1, solver: 'rk45', trace: 'exact', probes: null, nfe: 20, nfePerChunk: [20], rejectedSteps: 0, priorLogp: 0, traceIntegral: 0 },
    negativeElbo: { nats: -0.4, standardError: null, natsPerDim: 0, bitsPerDim: 0, modelNats: -0.4, ms: 1, steps: 20, draws: 1, perDraw: [-0.4] },
    perSampleNll: new Float32Array(10),
    truth: null,
  } as const;

  it("a MAF dataset's table puts this run beside the paper's Table 1 column", () => {
    const rows = resultRows('power', { ...fake, perSampleNll: new Float32Array(10) });
    expect(rows.map((r) => r.source)).toEqual(['this run', 'this run', ...Array(7).fill('paper')]);
    expect(rows.find((r) => r.model === 'DiffFlow (ODE)')?.nll).toBe(-1.04);
    expect(rows.find((r) => r.model === 'NAF')?.nll).toBe(-0.62);
    expect(resultRows('bsds300', { ...fake, perSampleNll: new Float32Array(10) }).find((r) => r.model === 'FFJORD')?.nll).toBe(-157.4);
    const table = formatResultTable(rows);
    expect(table.split('\n')).toHaveLength(2 + rows.length);
    expect(table).toMatch(/DiffFlow-TS \(ODE\)\s+-0\.5000 ± 0\.0100/);
    const csv = resultCsv('power', rows).trim().split('\n');
    expect(csv[0]).toBe('dataset,source,model,nll_nats,standard_error,note');
    expect(csv).toHaveLength(1 + rows.length);
    expect(csv[1]).toBe('power,this run,DiffFlow-TS (ODE),-0.5,0.01,"rk45, exact trace, NFE 20, 10 test rows"');
  });

  it('the synthetic table has the truth rows and no paper rows', () => {
    const rows = resultRows('synthetic', {
      ...fake,
      perSampleNll: new Float32Array(10),
      truth: { testNll: 9.17, entropy: 9.1713, entropyStandardError: 0.001, gap: 0.05, gapStandardError: 0.01 },
    });
    expect(rows.map((r) => r.source)).toEqual(['this run', 'this run', 'truth', 'truth']);
    expect(rows[2]!.note).toMatch(/gap \+0\.0500/);
  });
});
