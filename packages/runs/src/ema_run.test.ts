import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel, type DiffusionModel, type VectorField } from '@diffflow/sde-core';
import { saveCheckpoint } from './checkpoint.js';
import { formatError } from '@diffflow/cli';
import { loadEmaRun } from './ema_run.js';
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

/** Drift f(x, t) = a·x and score ≡ 0, each field with `weights` named weights. */
function linearModel(a: number, weights = 0): DiffusionModel {
  return diffusionModel(diffflowSde({ drift: linearField('drift', a, weights), diffusion: constantDiffusion(0.5), interval: [0, 1] }), linearField('score', 0, weights));
}

const dispose = (m: DiffusionModel): void => {
  m.sde.drift.dispose();
  m.score.dispose();
};

describe('loadEmaRun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ema-run-'));

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
