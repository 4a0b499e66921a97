import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { replayableNormal, vpSchedule } from '@diffflow/sde-core';
import { fourierMlp, type VectorField } from '@diffflow/networks';
import { ddpmLoss } from '@diffflow/losses';
import { createDdpmTrainer, type DdpmTrainer, type DdpmTrainerConfig } from './ddpm_trainer.js';

const config: DdpmTrainerConfig = { seed: 4, lr: 1e-2, lrDecay: 0.5, lrDecayEvery: 1000, clip: 1, emaDecay: 0.9, tMin: 1e-5, time: 'continuous', maxRetries: 1 };
const schedule = vpSchedule();
const cleanup: Array<() => void> = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

function net(seed = 1): VectorField {
  const n = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed, name: 'epsilon' });
  cleanup.push(() => n.dispose());
  return n;
}

/** A ring of radius 1.5 with a little noise, 64 points an iteration. */
const ring = (iteration: number): tf.Tensor =>
  tf.tidy(() => {
    const z = replayableNormal([64, 2], { seed: 9, purpose: 'ring', iteration, step: 0 });
    return tf.add(tf.mul(tf.div(z, tf.norm(z, 'euclidean', 1, true)), 1.5), tf.mul(replayableNormal([64, 2], { seed: 9, purpose: 'ring', iteration, step: 1 }), 0.05));
  });

function trainer(network: VectorField, c: DdpmTrainerConfig = config): DdpmTrainer {
  const t = createDdpmTrainer(network, schedule, c, ring);
  cleanup.push(() => t.dispose());
  return t;
}

const weights = (t: DdpmTrainer): number[][] => t.parameters.map((p) => Array.from(p.variable.dataSync()));

describe('createDdpmTrainer', () => {
  it('leaks no tensors across iterations', () => {
    const t = trainer(net());
    t.step();
    const after1 = tf.memory().numTensors;
    t.step();
    t.step();
    expect(tf.memory().numTensors).toBe(after1);
  });

  it('lowers L_simple on held-out draws (60 Adam steps)', () => {
    const t = trainer(net());
    // a fixed evaluation: the same 8 batches and the same (t, ε) draws before and after training
    const heldOut = (): number => {
      let s = 0;
      for (let k = 0; k < 8; k++) {
        const x = ring(10_000 + k);
        const value = ddpmLoss(t.network, schedule, x, { seed: 77, iteration: k });
        s += value.dataSync()[0] as number;
        tf.dispose([x, value]);
      }
      return s / 8;
    };
    const before = heldOut();
    for (let i = 0; i < 60; i++) t.step();
    const after = heldOut();
    // L_simple of an untrained ε-network is ≈ D = 2; a 25 % drop is far outside the noise of 8 × 64 draws
    expect(after).toBeLessThan(0.75 * before);
  });

  it('replays exactly: a restored run continues to the same weights as an uninterrupted one', () => {
    const a = trainer(net(3));
    for (let i = 0; i < 5; i++) a.step();
    const b = trainer(net(5)); // other initial weights, overwritten by restore
    const state = (() => {
      const s = trainer(net(3));
      for (let i = 0; i < 3; i++) s.step();
      return s.state();
    })();
    b.restore(state);
    tf.dispose([...state.tensors.values()]);
    expect(b.iteration).toBe(3);
    b.step();
    b.step();
    expect(weights(b)).toEqual(weights(a));
  });

  it('rejects bad settings with RangeErrors naming them', () => {
    expect(() => createDdpmTrainer(net(), schedule, { ...config, lr: 0 }, ring)).toThrow(/lr/);
    expect(() => createDdpmTrainer(net(), schedule, { ...config, lrDecayEvery: 0 }, ring)).toThrow(/lrDecayEvery/);
  });
});
