import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel, forwardNoise, replayableNormal, type DiffusionModel } from '@diffflow/sde-core';
import { adjointGradients } from '@diffflow/adjoint';
import { fourierMlp } from '@diffflow/networks';
import { createTrainer, DivergenceError, type ScoreWarmup, type Trainer, type TrainerConfig } from './trainer.js';

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

function tinyModel(seed = 1): DiffusionModel {
  const drift = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed, name: 'drift' });
  const score = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed, name: 'score' });
  cleanup.push(() => (drift.dispose(), score.dispose()));
  return diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.5), interval: [0, config.time.tMax] }), score);
}

const data = (iteration: number): tf.Tensor =>
  tf.tidy(() => tf.add(tf.mul(replayableNormal([64, 2], { seed: 9, purpose: 'data', iteration, step: 0 }), 0.2), 1.5));

function trainer(model: DiffusionModel, c: TrainerConfig = config, d = data): Trainer {
  const tr = createTrainer(model, c, d);
  cleanup.push(() => tr.dispose());
  return tr;
}

const weights = (tr: Trainer): number[][] => tr.parameters.map((p) => Array.from(p.variable.dataSync()));

describe('createTrainer', () => {
  it('takes its trajectory-KL gradients from config.gradients when given (keyed by seed and iteration; same weights as the strategy)', () => {
    const keys: { seed: number; iteration: number }[] = [];
    const c: TrainerConfig = {
      ...config,
      gradients: (m, x0, grid, key) => {
        keys.push(key);
        return adjointGradients(m, x0, grid, forwardNoise(key.seed, key.iteration));
      },
    };
    const [a, b] = [trainer(tinyModel(), c), trainer(tinyModel())];
    for (let i = 0; i < 3; i++) {
      a.step();
      b.step();
    }
    expect(keys).toEqual([0, 1, 2].map((iteration) => ({ seed: config.seed, iteration })));
    expect(weights(a)).toEqual(weights(b));
  });

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

  it('skips non-finite iterations, names what went non-finite, keeps the last good weights, then stops', () => {
    let poison = false;
    const tr = trainer(tinyModel(), config, (it) => (poison ? tf.fill([64, 2], Number.NaN) : data(it)));
    tr.step();
    const good = weights(tr);
    poison = true;
    expect(() => tr.step()).toThrow(DivergenceError);
    // NaN data: the first field evaluation names its input
    expect(() => tr.step()).toThrow(/iteration 1: x given to the drift field '[^']+' \(NaN, row 0, t = 0\.001, step 0\) is not finite/);
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

  describe('score warm-up', () => {
    /** Denoising score matching at σ = 0.3, noise keyed by (seed, iteration): ‖σ s(x₀ + σz, 0.05) + z‖². */
    const dsm = (model: DiffusionModel): ScoreWarmup => ({
      iterations: 3,
      loss: (x0, iteration, seed) =>
        tf.tidy(() => {
          const z = replayableNormal(x0.shape, { seed, purpose: 'test/dsm', iteration, step: 0 });
          const s = model.score.apply(tf.add(x0, tf.mul(z, 0.3)), 0.05);
          return tf.mean(tf.sum(tf.square(tf.add(tf.mul(s, 0.3), z)), 1)) as tf.Scalar;
        }),
      data: (iteration) => tf.tidy(() => tf.add(tf.mul(replayableNormal([32, 2], { seed: 5, purpose: 'data', iteration, step: 0 }), 0.2), 1.5)),
    });
    const withWarmup = (model: DiffusionModel): TrainerConfig => ({ ...config, warmup: dsm(model) });
    const named = (tr: Trainer, prefix: string): number[][] => tr.parameters.filter((p) => p.name.startsWith(prefix)).map((p) => Array.from(p.variable.dataSync()));

    it('trains the score alone for `iterations`, then drift and score on the trajectory KL, with Adam afresh', () => {
      const model = tinyModel();
      const tr = trainer(model, withWarmup(model));
      const drift0 = named(tr, 'drift/');
      const score0 = named(tr, 'score/');
      const first = [tr.step(), tr.step(), tr.step()];
      expect(first.map((m) => [m.phase, m.steps])).toEqual([...Array(3)].map(() => ['score-warmup', 0]));
      expect(first.every((m) => Number.isFinite(m.objective) && Number.isNaN(m.bound))).toBe(true);
      expect(named(tr, 'drift/')).toEqual(drift0);
      expect(named(tr, 'score/')).not.toEqual(score0);
      expect(tr.phaseAt(2)).toBe('score-warmup');
      expect(tr.phaseAt(3)).toBe('trajectory-kl');
      const snapshotBefore = tr.state();
      expect(snapshotBefore.adamStep).toBe(3);
      tf.dispose([...snapshotBefore.tensors.values()]);
      const next = tr.step();
      expect([next.phase, next.steps, Number.isFinite(next.bound)]).toEqual(['trajectory-kl', 4, true]);
      expect(named(tr, 'drift/')).not.toEqual(drift0);
      const snapshotAfter = tr.state();
      expect(snapshotAfter.adamStep).toBe(1); // the trajectory KL's Adam counts its own steps
      tf.dispose([...snapshotAfter.tensors.values()]);
    });

    it('leaks no tensors across the phase switch', () => {
      const model = tinyModel();
      const tr = trainer(model, withWarmup(model));
      tr.step();
      const after1 = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) tr.step();
      expect(tf.memory().numTensors).toBe(after1);
    });

    it('resumes bit-identically from a snapshot taken in the warm-up or at the switch', () => {
      const straightModel = tinyModel();
      const straight = trainer(straightModel, withWarmup(straightModel));
      for (let i = 0; i < 5; i++) straight.step();
      for (const at of [2, 3]) {
        const firstModel = tinyModel();
        const first = trainer(firstModel, withWarmup(firstModel));
        for (let i = 0; i < at; i++) first.step();
        const snapshot = first.state();
        const resumedModel = tinyModel(7);
        const resumed = trainer(resumedModel, withWarmup(resumedModel));
        resumed.restore(snapshot);
        tf.dispose([...snapshot.tensors.values()]);
        for (let i = at; i < 5; i++) resumed.step();
        expect(weights(resumed), `snapshot at ${at}`).toEqual(weights(straight));
      }
    });

    it('takes its gradients from `gradients` when given (e.g. a data-parallel pool): the same as `loss` on this thread when they agree, used when they differ', () => {
      const run = (make: (model: DiffusionModel) => ScoreWarmup): { objectives: number[]; weights: number[][] } => {
        const model = tinyModel();
        const tr = trainer(model, { ...config, warmup: make(model) });
        const objectives = [0, 1, 2].map(() => tr.step().objective);
        return { objectives, weights: weights(tr) };
      };
      const scoreVariables = (model: DiffusionModel): tf.Variable[] => model.score.parameters.map((p) => p.variable);
      const plain = run(dsm);
      const seen: number[] = [];
      const same = run((model) => ({
        ...dsm(model),
        gradients: (x0, iteration, seed) => {
          seen.push(iteration);
          return tf.variableGrads(() => dsm(model).loss(x0, iteration, seed), scoreVariables(model));
        },
      }));
      expect(seen).toEqual([0, 1, 2]);
      expect(same).toEqual(plain);
      // a source reporting twice the loss and gradients is what the trainer follows
      const doubled = run((model) => ({
        ...dsm(model),
        gradients: (x0, iteration, seed) => {
          const { value, grads } = tf.variableGrads(() => dsm(model).loss(x0, iteration, seed), scoreVariables(model));
          const out = tf.tidy(() => ({ value: tf.mul(value, 2) as tf.Scalar, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, 2)])) }));
          tf.dispose([value, ...Object.values(grads)]);
          return out;
        },
      }));
      expect(doubled.objectives[0]).toBeCloseTo(2 * (plain.objectives[0] as number), 4);
      const model = tinyModel();
      const tr = trainer(model, { ...config, warmup: { ...dsm(model), gradients: (x0, iteration, seed) => tf.variableGrads(() => dsm(model).loss(x0, iteration, seed), scoreVariables(model)) } });
      tr.step();
      const before = tf.memory().numTensors;
      tr.step();
      expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    });

    it('a non-finite warm-up loss is retried, then named', () => {
      const model = tinyModel();
      const poisoned: ScoreWarmup = { ...dsm(model), data: () => tf.fill([8, 2], Number.NaN) };
      const tr = trainer(model, { ...config, warmup: poisoned });
      expect(() => tr.step()).toThrow(/iteration 0: score warm-up loss \(NaN\) is not finite/);
      expect(tr.iteration).toBe(0);
    });

    it('uses its own learning rate, StepLR applied, and the trainer\'s after it', () => {
      const model = tinyModel();
      const tr = trainer(model, { ...config, lrDecayEvery: 2, warmup: { ...dsm(model), lr: 0.1 } });
      expect([0, 1, 2, 3, 4].map(() => tr.step().lr)).toEqual([0.1, 0.1, 0.05, config.lr * 0.5, config.lr * 0.25]);
    });

    it('rejects a negative or fractional iteration count and a learning rate ≤ 0', () => {
      const model = tinyModel();
      expect(() => createTrainer(model, { ...config, warmup: { ...dsm(model), iterations: 1.5 } }, data)).toThrow(/warmup.iterations must be an integer ≥ 0, got 1.5/);
      expect(() => createTrainer(model, { ...config, warmup: { ...dsm(model), lr: 0 } }, data)).toThrow(/warmup.lr must be > 0, got 0/);
    });
  });
});
