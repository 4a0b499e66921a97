import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '@diffflow/runs/checkpoint';
import { resolveConfig } from '@diffflow/runs';
import { Toy2dConfig, toy2dDefaults } from '../../../experiments/toy2d/src/config.js';
import { checkpointBytes, createSession, diffflowSamples, disposeSession, sessionFromCheckpoint, toy2dConfigOf, type PlaygroundSettings } from './model.js';

const small: PlaygroundSettings = { dataset: 'moons', steps: 3, g: 0.2, T: 0.05, hidden: 8, batch: 16, seed: 4, ddpm: true };
const sampler = { lambda: 1, steps: 3, n: 64, seed: 4 };

describe('checkpoints in the CLI format', () => {
  it('round-trip a session: same iteration, same EMA samples, and no tensor left behind', () => {
    const before = tf.memory().numTensors;
    const a = createSession(small, null);
    a.trainer.step();
    a.trainer.step();
    a.ddpm?.trainer.step();
    const bytes = checkpointBytes(a, 'wasm');
    const b = sessionFromCheckpoint(bytes, 'a.bin');
    if (E.isLeft(b)) throw new Error(b.left);
    expect(b.right.trainer.iteration).toBe(2);
    expect(b.right.ddpm?.trainer.iteration).toBe(1);
    expect(b.right.settings).toEqual(small);
    expect(diffflowSamples(b.right, sampler).samples).toEqual(diffflowSamples(a, sampler).samples);
    disposeSession(a);
    disposeSession(b.right);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stores the toy2d configuration the CLI's codec decodes, field for field", () => {
    const stored = toy2dConfigOf(small, 2);
    const decoded = resolveConfig(Toy2dConfig, toy2dDefaults, stored);
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    expect(decoded.right).toEqual(stored);
  });

  it('keeps a drawn cloud in meta.playground and restores it', () => {
    const points = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const a = createSession({ ...small, dataset: 'drawn', ddpm: false }, points);
    const b = sessionFromCheckpoint(checkpointBytes(a, 'cpu'), 'drawn.bin');
    if (E.isLeft(b)) throw new Error(b.left);
    expect(b.right.points).toEqual(points);
    expect(b.right.ddpm).toBeNull();
    disposeSession(a);
    disposeSession(b.right);
  });

  it('refuses foreign, truncated and incompatible files with one line naming the file, building nothing', () => {
    const before = tf.memory().numTensors;
    const foreign = sessionFromCheckpoint(new TextEncoder().encode('hello'), 'x.bin');
    expect(foreign).toEqual(E.left(expect.stringMatching(/^x\.bin: not a DiffFlow checkpoint/)));
    const a = createSession({ ...small, ddpm: false }, null);
    const bytes = checkpointBytes(a, 'cpu');
    disposeSession(a);
    expect(sessionFromCheckpoint(bytes.subarray(0, bytes.length - 9), 't.bin')).toEqual(E.left(expect.stringMatching(/^t\.bin: truncated/)));
    const ckpt = decodeCheckpoint(bytes, 'ok.bin');
    if (E.isLeft(ckpt)) throw new Error(ckpt.left.reason);
    const deeper = encodeCheckpoint({ ...ckpt.right, meta: { ...ckpt.right.meta, config: { ...(ckpt.right.meta['config'] as object), layers: 2 } } });
    expect(sessionFromCheckpoint(deeper, 'd.bin')).toEqual(E.left(expect.stringMatching(/^d\.bin: its networks have 2 hidden layers/)));
    const { ['ema/score/output.weight']: _dropped, ...tensors } = ckpt.right.tensors;
    const missing = encodeCheckpoint({ ...ckpt.right, tensors });
    expect(sessionFromCheckpoint(missing, 'm.bin')).toEqual(E.left(expect.stringMatching(/^m\.bin: .*ema\/score/)));
    expect(tf.memory().numTensors).toBe(before);
  });
});
