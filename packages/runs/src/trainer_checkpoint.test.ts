import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel, type DiffusionModel, type VectorField } from '@diffflow/sde-core';
import type { TrainerState } from '@diffflow/training';
import { saveCheckpoint } from './checkpoint.js';
import { configInvalid } from '@diffflow/cli';
import { checkpointFromState, loadEmaModel, stateFromCheckpoint, storedConfig } from './trainer_checkpoint.js';

/** A stand-in DiffFlow model: drift and score each one named weight vector of length `n`. */
function fakeModel(n = 3): DiffusionModel & { disposed: () => boolean } {
  const field = (name: string) => {
    const variable = tf.variable(tf.zeros([n]), true, `${name}-${Math.random()}`);
    return { name, parameters: [{ name: 'w', variable }], parameterCount: n, apply: () => tf.zeros([1]), dispose: () => variable.dispose() } as unknown as VectorField;
  };
  const drift = field('drift');
  const score = field('score');
  return {
    ...diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(1) }), score),
    disposed: () => (drift.parameters[0]?.variable.isDisposed ?? false) && (score.parameters[0]?.variable.isDisposed ?? false),
  };
}

const state = (): TrainerState => ({
  iteration: 7,
  adamStep: 5,
  emaUpdates: 4,
  tensors: new Map([
    ['param/drift/w', tf.tensor1d([1, 2, 3])],
    ['ema/drift/w', tf.tensor1d([0.5, 0.25, 0.125])],
    ['ema/score/w', tf.tensor1d([-1, -2, -3])],
  ]),
});

describe('checkpointFromState / stateFromCheckpoint', () => {
  it('round-trip the tensors and counters, meta kept beside them', () => {
    const s = state();
    const ckpt = checkpointFromState(s, { config: { seed: 1 } });
    tf.dispose([...s.tensors.values()]);
    expect(ckpt.meta).toEqual({ config: { seed: 1 }, iteration: 7, adamStep: 5, emaUpdates: 4 });
    const back = stateFromCheckpoint(ckpt);
    expect([back.iteration, back.adamStep, back.emaUpdates]).toEqual([7, 5, 4]);
    expect(Array.from(back.tensors.get('ema/drift/w')?.dataSync() ?? [])).toEqual([0.5, 0.25, 0.125]);
    tf.dispose([...back.tensors.values()]);
    expect(() => stateFromCheckpoint({ meta: { iteration: -1, adamStep: 0, emaUpdates: 0 }, tensors: {} })).toThrow(/meta.iteration/);
  });
});

describe('loadEmaModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ema-'));
  const write = async (name: string, meta: Record<string, unknown>): Promise<string> => {
    const s = state();
    const path = join(dir, name);
    await saveCheckpoint(path, checkpointFromState(s, meta))();
    tf.dispose([...s.tensors.values()]);
    return path;
  };

  it("builds the model and assigns the EMA weights ('ema/drift/…', 'ema/score/…'), with the config and iteration", async () => {
    const path = await write('ok.bin', { config: { n: 3 } });
    const r = await loadEmaModel(path, (c) => E.right(c.meta['config'] as { n: number }), (config) => E.right({ model: fakeModel(config.n), extra: 'kept' }))();
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect(r.right.iteration).toBe(7);
    expect(r.right.extra).toBe('kept');
    expect(Array.from(r.right.model.sde.drift.parameters[0]?.variable.dataSync() ?? [])).toEqual([0.5, 0.25, 0.125]);
    expect(Array.from(r.right.model.score.parameters[0]?.variable.dataSync() ?? [])).toEqual([-1, -2, -3]);
    r.right.model.sde.drift.dispose();
    r.right.model.score.dispose();
  });

  it('a bad stored config is FileMalformed naming the file; a shape mismatch releases the model; a missing file carries the hint', async () => {
    const path = await write('bad.bin', {});
    const badConfig = await loadEmaModel(path, () => E.left(configInvalid('lr', 'must be > 0')), () => E.right({ model: fakeModel() }))();
    expect(E.isLeft(badConfig) && badConfig.left).toMatchObject({ _tag: 'FileMalformed', path, reason: expect.stringMatching(/^its config is invalid: .*lr/) });
    const model = fakeModel(4);
    const mismatch = await loadEmaModel(path, () => E.right({}), () => E.right({ model }))();
    expect(E.isLeft(mismatch) && mismatch.left._tag).toBe('FileMalformed');
    expect(model.disposed()).toBe(true);
    const missing = await loadEmaModel(join(dir, 'none.bin'), () => E.right({}), () => E.right({ model: fakeModel() }), 'train one first')();
    expect(E.isLeft(missing) && missing.left).toMatchObject({ _tag: 'FileMissing', hint: 'train one first' });
  });
});

describe('storedConfig', () => {
  it("reads meta.config with renamed fields under their new name (batch → batchSize), the new name winning", () => {
    expect(storedConfig({ meta: { config: { batch: 64, lr: 1 } }, tensors: {} })).toEqual({ batchSize: 64, lr: 1 });
    expect(storedConfig({ meta: { config: { batch: 64, batchSize: 8 } }, tensors: {} })).toEqual({ batch: 64, batchSize: 8 });
    expect(storedConfig({ meta: {}, tensors: {} })).toEqual({});
    expect(storedConfig({ meta: { config: [1] }, tensors: {} })).toEqual({});
  });
});

