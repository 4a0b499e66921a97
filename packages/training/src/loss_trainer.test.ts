import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { replayableNormals, TfSetupError } from '@diffflow/sde-core';
import { createLossTrainer, type LossTrainerConfig } from './loss_trainer.js';
import { DivergenceError } from './retry.js';

const config: LossTrainerConfig = { seed: 3, lr: 0.1, lrDecay: 0.5, lrDecayEvery: 20, clip: 10, emaDecay: 0.9, maxRetries: 2 };

/** ‖w − mean(x0) − 0.01·ε‖² for a weight w ∈ R², ε keyed by (seed, iteration): a noisy quadratic. */
function quadratic(poison?: (iteration: number) => boolean) {
  const w = tf.variable(tf.zeros([2]), true, `w-${Math.random()}`);
  const loss = (x0: tf.Tensor, iteration: number, seed: number): tf.Scalar =>
    tf.tidy(() => {
      const eps = tf.tensor1d(replayableNormals(2, { seed, purpose: 'test', iteration, step: 0 }));
      const target = tf.add(tf.mean(x0, 0), tf.mul(0.01, eps));
      const l = tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;
      return poison?.(iteration) === true && seed === config.seed ? (tf.mul(l, Number.NaN) as tf.Scalar) : l;
    });
  return { w, loss, data: () => tf.tensor2d([[1, -2], [3, 0]]) };
}

describe('createLossTrainer', () => {
  it('minimises any scalar loss with the shared optimiser, leak-free, and names its parameters in snapshots', () => {
    const q = quadratic();
    const trainer = createLossTrainer([{ name: 'w', variable: q.w }], q.loss, config, q.data);
    const before = tf.memory().numTensors;
    const first = trainer.step();
    for (let i = 0; i < 60; i++) trainer.step();
    const last = trainer.step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last.loss).toBeLessThan(first.loss / 100);
    const [w0, w1] = Array.from(q.w.dataSync());
    expect(Math.abs((w0 as number) - 2)).toBeLessThan(0.15); // the batch mean (2, −1), up to the 0.01 noise and Adam's steps
    expect(Math.abs((w1 as number) + 1)).toBeLessThan(0.15);
    expect(last.lr).toBeCloseTo(0.1 * 0.5 ** 3, 12); // StepLR at iteration 61
    const s = trainer.state();
    expect([...s.tensors.keys()].sort()).toEqual(['adam/m/w', 'adam/v/w', 'ema/w', 'param/w']);
    tf.dispose([...s.tensors.values()]);
    trainer.dispose();
    q.w.dispose();
  });

  it('resumes bit-identically from a snapshot', () => {
    const run = (split: boolean): number[] => {
      const q = quadratic();
      let trainer = createLossTrainer([{ name: 'w', variable: q.w }], q.loss, config, q.data);
      for (let i = 0; i < 5; i++) trainer.step();
      if (split) {
        const s = trainer.state();
        trainer.dispose();
        q.w.assign(tf.zeros([2]));
        trainer = createLossTrainer([{ name: 'w', variable: q.w }], q.loss, config, q.data);
        trainer.restore(s);
        tf.dispose([...s.tensors.values()]);
      }
      for (let i = 0; i < 5; i++) trainer.step();
      const out = Array.from(q.w.dataSync());
      trainer.dispose();
      q.w.dispose();
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });

  it('retries a non-finite iteration with fresh draws, and throws DivergenceError when every retry fails', () => {
    const q = quadratic((it) => it === 2); // only the first attempt (root seed) of iteration 2 is NaN
    const trainer = createLossTrainer([{ name: 'w', variable: q.w }], q.loss, config, q.data);
    trainer.step();
    trainer.step();
    expect(trainer.step().retries).toBe(1);
    const always = createLossTrainer([{ name: 'w', variable: q.w }], () => tf.mul(Number.NaN, tf.sum(q.w)) as tf.Scalar, { ...config, name: 'always' }, q.data);
    expect(() => always.step()).toThrow(DivergenceError);
    expect(() => createLossTrainer([], q.loss, { ...config, lr: 0, name: 'named' }, q.data)).toThrow(/named: lr must be > 0/);
    trainer.dispose();
    always.dispose();
    q.w.dispose();
  });
});

describe('createLossTrainer without tfjs gradients', () => {
  it('names registerGradients() (the DDPM trainer and the score warm-up are built on it)', () => {
    const { w, loss, data } = quadratic();
    const add = tf.getGradient('Add');
    tf.unregisterGradient('Add');
    try {
      expect(() => createLossTrainer([{ name: 'w', variable: w }], loss, config, data)).toThrow(TfSetupError);
      expect(() => createLossTrainer([{ name: 'w', variable: w }], loss, { ...config, name: 'createDdpmTrainer' }, data)).toThrow(
        /^createDdpmTrainer: tfjs's gradient functions are not registered — call `await registerGradients\(\)` from @diffflow\/backend/,
      );
    } finally {
      tf.registerGradient(add);
    }
    w.dispose();
  });
});
