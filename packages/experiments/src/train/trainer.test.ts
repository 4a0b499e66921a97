import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { constantDiffusion, replayableNormal } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import type { DiffFlowModel } from '@diffflow/losses';
import { createTrainer, DivergenceError, type Trainer, type TrainerConfig } from './trainer.js';

const config: TrainerConfig = {
  seed: 3,
  lr: 5e-3,
  lrDecay: 0.5,
  lrDecayEvery: 4,
  clip: 1,
  emaDecay: 0.9,
  strategy: 'adjoint',
  maxRetries: 2,
  time: { tMin: 1e-3, tMax: 0.1, beta: 0.9, steps: 4, flexible: true },
};

const cleanup: Array<() => void> = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

function tinyModel(seed = 1): DiffFlowModel {
  const drift = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed, name: 'drift' });
  const score = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed, name: 'score' });
  cleanup.push(() => (drift.dispose(), score.dispose()));
  return { drift, score, diffusion: constantDiffusion(0.5) };
}

const data = (iteration: number): tf.Tensor =>
  tf.tidy(() => tf.add(tf.mul(replayableNormal([64, 2], { seed: 9, purpose: 'data', iteration, step: 0 }), 0.2), 1.5));

function trainer(model: DiffFlowModel, c: TrainerConfig = config, d = data): Trainer {
  const tr = createTrainer(model, c, d);
  cleanup.push(() => tr.dispose());
  return tr;
}

const weights = (tr: Trainer): number[][] => tr.parameters.map((p) => Array.from(p.variable.dataSync()));

describe('createTrainer', () => {
  it('leaks no tensors: numTensors is the same after 3 iterations as after 1', () => {
    const tr = trainer(tinyModel());
    tr.step();
    const after1 = tf.memory().numTensors;
    tr.step();
    tr.step();
    expect(tf.memory().numTensors).toBe(after1);
  });

  it('decreases the loss within a few iterations (same data and noise every iteration)', () => {
    const fixed = data(0);
    cleanup.push(() => fixed.dispose());
    const tr = trainer(tinyModel(), { ...config, lr: 1e-2, lrDecayEvery: 1000, time: { ...config.time, flexible: false } }, () => tf.clone(fixed));
    const first = tr.step().objective;
    let last = first;
    for (let i = 0; i < 12; i++) last = tr.step().objective;
    // with fresh forward noise per iteration the objective is noisy; a 0.5-nat drop is far outside it
    expect(last).toBeLessThan(first - 0.5);
  });

  it('resumes bit-identically from a snapshot (weights, Adam, EMA, iteration, flexible grid, LR decay)', () => {
    const straight = trainer(tinyModel());
    for (let i = 0; i < 6; i++) straight.step();

    const first = trainer(tinyModel());
    for (let i = 0; i < 3; i++) first.step();
    const snapshot = first.state();
    const resumed = trainer(tinyModel(7)); // different init: everything must come from the snapshot
    resumed.restore(snapshot);
    tf.dispose([...snapshot.tensors.values()]);
    expect(resumed.iteration).toBe(3);
    for (let i = 0; i < 3; i++) resumed.step();
    expect(weights(resumed)).toEqual(weights(straight));
    const emaOf = (tr: Trainer): number[][] => tr.ema.withAveraged(() => weights(tr));
    expect(emaOf(resumed)).toEqual(emaOf(straight));
  });

  it('skips non-finite iterations, names the term, keeps the last good weights, then stops', () => {
    let poison = false;
    const tr = trainer(tinyModel(), config, (it) => (poison ? tf.fill([64, 2], Number.NaN) : data(it)));
    tr.step();
    const good = weights(tr);
    poison = true;
    expect(() => tr.step()).toThrow(DivergenceError);
    expect(() => tr.step()).toThrow(/iteration 1: loss term 'objective' \(NaN\) is not finite/);
    expect(weights(tr)).toEqual(good);
    expect(tr.iteration).toBe(1);
    poison = false;
    expect(tr.step().iteration).toBe(1);
  });

  it('switches N on a progressive schedule and uses the fixed grid at the current N for evaluation', () => {
    const tr = trainer(tinyModel(), { ...config, time: { ...config.time, steps: { steps: [2, 3], switchAt: [2] } } });
    expect([tr.step().steps, tr.step().steps, tr.step().steps]).toEqual([2, 2, 3]);
    expect(tr.evaluationGrid()).toHaveLength(4);
  });
});
