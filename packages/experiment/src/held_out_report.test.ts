import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel, type DiffusionModel, type VectorField } from '@diffflow/sde-core';
import { ExperimentFailure, fileMissing } from '@diffflow/cli';
import { decodeNpyArray } from '@diffflow/datasets';
import { openHeldOutDir, withEmaRun, writeHeldOutReport } from './held_out_report.js';

/** A model of two fields with one weight each: its variables are what `withEmaRun` must release. */
function weightedModel(): DiffusionModel {
  const field = (name: string): VectorField => {
    const init = tf.zeros([3]);
    const variable = tf.variable(init, true, `${name}-${Math.random()}`);
    init.dispose();
    return { name, parameters: [{ name: 'w', variable }], parameterCount: 3, apply: (x: tf.Tensor) => tf.clone(x), dispose: () => variable.dispose() } as unknown as VectorField;
  };
  return diffusionModel(diffflowSde({ drift: field('drift'), diffusion: constantDiffusion(0.5), interval: [0, 1] }), field('score'));
}

const temp = (): string => mkdtempSync(join(tmpdir(), 'held-out-report-'));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('withEmaRun', () => {
  it("returns use's result and releases the model, also when use throws", async () => {
    const before = tf.memory().numTensors;
    const got = await withEmaRun(TE.right({ model: weightedModel(), iteration: 7 }), async (run) => run.iteration * 2);
    expect(got).toBe(14);
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      withEmaRun(TE.right({ model: weightedModel() }), async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('throws the loading error typed, without calling use', async () => {
    const use = vi.fn(async () => 1);
    const failed = withEmaRun(TE.left(fileMissing('/nowhere/checkpoint.bin', 'no trained run')), use);
    await expect(failed).rejects.toBeInstanceOf(ExperimentFailure);
    await expect(failed).rejects.toThrow(/\/nowhere\/checkpoint\.bin.*no trained run/);
    expect(use).not.toHaveBeenCalled();
  });
});

describe('openHeldOutDir', () => {
  it('creates the folder with the identity as config.json, resumes the same evaluation and refuses another', async () => {
    const out = join(temp(), 'eval-n10');
    const dir = await openHeldOutDir(out, { n: 10, seed: 0 });
    expect(dir.path).toBe(out);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toEqual({ n: 10, seed: 0 });
    writeFileSync(join(out, 'eval.json'), '{}');
    await expect(openHeldOutDir(out, { n: 10, seed: 0 })).resolves.toMatchObject({ path: out });
    const other = openHeldOutDir(out, { n: 11, seed: 0 });
    await expect(other).rejects.toBeInstanceOf(ExperimentFailure);
    await expect(other).rejects.toThrow(/eval-n10/);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toEqual({ n: 10, seed: 0 });
  });
});

describe('writeHeldOutReport', () => {
  it('writes nll.npy and eval.json (shared fields, then the experiment’s, then totalMs) and prints header, table and total', async () => {
    const out = join(temp(), 'eval');
    const dir = await openHeldOutDir(out, { n: 3 });
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(((s: string | Uint8Array) => printed.push(String(s)) > 0) as never);
    const started = performance.now();
    await writeHeldOutReport(dir, {
      started,
      command: 'demo eval',
      run: '/runs/demo',
      dataset: 'rings',
      iteration: null,
      backend: 'cpu',
      settings: { n: 3, seed: 1 },
      result: { n: 3, dim: 2, perSampleNll: Float32Array.of(1.5, 2.5, -0.25) },
      points: 'held-out points',
      fields: { units: 'nats', nll: { nats: 1.25 } },
      table: 'a  b\n-  -',
      timings: 'NLL 0.1 s, ',
    });
    vi.restoreAllMocks();
    expect(readdirSync(out).sort()).toEqual(['config.json', 'eval.json', 'nll.npy']);
    const report = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8'));
    expect(Object.keys(report)).toEqual(['run', 'dataset', 'checkpointIteration', 'weights', 'backend', 'settings', 'units', 'nll', 'totalMs']);
    expect(report).toMatchObject({ run: '/runs/demo', dataset: 'rings', checkpointIteration: null, weights: 'ema', backend: 'cpu', settings: { n: 3, seed: 1 }, nll: { nats: 1.25 } });
    expect(report.totalMs).toBeGreaterThanOrEqual(0);
    const npy = decodeNpyArray(readFileSync(join(out, 'nll.npy')), 'nll.npy');
    if (E.isLeft(npy)) throw new Error('nll.npy did not decode');
    expect([...npy.right.shape]).toEqual([3]);
    expect([...(npy.right.data as Float32Array)]).toEqual([1.5, 2.5, -0.25]);
    const lines = printed.join('').split('\n');
    expect(lines[0]).toBe('demo eval: rings, /runs/demo (iteration ?, EMA weights), 3 held-out points, D = 2');
    expect(lines.slice(1, 3)).toEqual(['a  b', '-  -']);
    expect(lines[3]).toMatch(new RegExp(`^NLL 0\\.1 s, total \\d+\\.\\d\\d s → ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
});
