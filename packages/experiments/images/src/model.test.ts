import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import type { ImageDataset } from '@diffflow/datasets';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { resolveConfig, formatError } from '@diffflow/cli';
import { vpBeta, vpMarginal, vpSchedule } from '@diffflow/sde-core';
import { checkImagesConfig, defaultsFor, ImagesConfig, imagesFlags, imagesNonIdentityFields, parseIntList, storedDefaultsFor } from './config.js';
import { batchSource, imageModel } from './model.js';
import { disposeModel, namedParameters } from '@diffflow/training';

const decode = (overrides: Record<string, unknown>) => {
  const d = resolveConfig(ImagesConfig, defaultsFor(overrides), overrides);
  return E.isLeft(d) ? d : checkImagesConfig(d.right);
};
const message = (r: E.Either<Parameters<typeof formatError>[0], unknown>): string => (E.isLeft(r) ? formatError(r.left) : 'ok');

describe('images configuration', () => {
  it('presets fill the defaults; the paper preset has the published settings', () => {
    const paper = decode({ preset: 'paper' });
    expect(E.isRight(paper)).toBe(true);
    if (E.isRight(paper)) {
      expect(paper.right.config).toMatchObject({ g: 1, T: 0.05, tMin: 1e-3, flexible: true, batchSize: 64, lr: 2e-4, sampleSteps: 30 });
      expect(paper.right.schedule).toEqual({ steps: [5, 10, 20, 30], switchAt: [3000, 5000, 8000] });
    }
    const cpu = decode({});
    expect(E.isRight(cpu) && cpu.right.config.preset).toBe('cpu');
    if (E.isRight(cpu)) {
      // DiffFlow from its diffusion-model end: VP SDE on [1e-3, 1] plus the learned drift
      expect(cpu.right.config).toMatchObject({ forward: 'vp', betaMin: 0.1, betaMax: 10, T: 1, tMin: 1e-3, beta: 1, flexible: true });
      // a score warm-up, then the trajectory KL at the sampling N
      expect(cpu.right.config).toMatchObject({ warmup: 4000, warmupBatch: 64, warmupLr: 2e-3, iters: 4150, batchSize: 8, lr: 2e-5 });
      expect(cpu.right.config).toMatchObject({ sampleSteps: 30, ema: 0.995, checkpointEvery: 250 });
      expect(cpu.right.schedule).toEqual({ steps: [30], switchAt: [] });
    }
    for (const preset of ['paper', 'tiny']) {
      const d = decode({ preset });
      expect(E.isRight(d) && d.right.config.forward, preset).toBe('learned');
    }
    const vp = decode({ preset: 'tiny', forward: 'vp', T: 1, betaMax: 10 });
    expect(E.isRight(vp) && [vp.right.config.forward, vp.right.config.betaMax]).toEqual(['vp', 10]);
    // forward, betaMin, betaMax are flags and identity fields (a resumed run may not change them)
    expect([imagesFlags.forward, imagesFlags.betaMin, imagesFlags.betaMax]).toEqual(['string', 'number', 'number']);
    for (const f of ['forward', 'betaMin', 'betaMax']) expect((imagesNonIdentityFields as readonly string[]).includes(f), f).toBe(false);
  });

  it('forward, betaMin, betaMax: bad values are one error naming the field and what is allowed', () => {
    expect(message(decode({ forward: 'ddpm' }))).toMatch(/forward.*'learned', 'vp'/);
    expect(message(decode({ betaMin: 0 }))).toMatch(/betaMin.*> 0/);
    expect(message(decode({ betaMax: -1 }))).toMatch(/betaMax.*> 0/);
    expect(message(decode({ betaMin: 5, betaMax: 1 }))).toMatch(/betaMax.*>= betaMin = 5, got 1/);
    // σ(0) = 0: every vp grid must start at tMin > 0
    expect(message(decode({ tMin: 0 }))).toMatch(/tMin.*> 0 with forward 'vp'/);
    expect(message(decode({ preset: 'tiny', forward: 'vp', tMin: 0 }))).toMatch(/tMin/);
    expect(message(decode({ preset: 'paper', tMin: 0 }))).toBe('ok'); // learned: t_0 = 0 is fine
  });

  it('warmup, warmupBatch: vp only, fewer than iters, T ≤ 1; one error naming the field', () => {
    expect(message(decode({ warmup: -1 }))).toMatch(/warmup.*integer >= 0/);
    expect(message(decode({ warmupBatch: 0 }))).toMatch(/warmupBatch/);
    expect(message(decode({ warmupLr: 0 }))).toMatch(/warmupLr.*> 0/);
    expect(message(decode({ preset: 'paper', warmup: 10 }))).toMatch(/warmup.*needs --forward=vp .* got 10 with forward 'learned'/);
    expect(message(decode({ iters: 100, warmup: 100 }))).toMatch(/warmup.*smaller than iters = 100 .*, got 100/);
    expect(message(decode({ T: 2, warmup: 1 }))).toMatch(/T.*<= 1 with a score warm-up/);
    expect(message(decode({ preset: 'tiny', forward: 'vp', T: 1, warmup: 2 }))).toBe('ok');
    expect([imagesFlags.warmup, imagesFlags.warmupBatch, imagesFlags.warmupLr]).toEqual(['int', 'int', 'number']);
    for (const f of ['warmup', 'warmupBatch', 'warmupLr']) expect((imagesNonIdentityFields as readonly string[]).includes(f), f).toBe(false);
  });

  it("a stored configuration without `forward` (written before it existed) is a 'learned' run", () => {
    const legacy = { ...defaultsFor({ preset: 'cpu' }), T: 0.05, steps: '5,10', switchAt: '200' } as Record<string, unknown>;
    delete legacy['forward'];
    delete legacy['betaMin'];
    delete legacy['betaMax'];
    delete legacy['warmup'];
    delete legacy['warmupBatch'];
    delete legacy['warmupLr'];
    const old = resolveConfig(ImagesConfig, storedDefaultsFor(legacy), legacy);
    expect(E.isRight(old) && [old.right.forward, old.right.warmup]).toEqual(['learned', 0]);
    const now = { ...legacy, forward: 'vp', betaMin: 0.1, betaMax: 20, T: 1 };
    const vp = resolveConfig(ImagesConfig, storedDefaultsFor(now), now);
    expect(E.isRight(vp) && vp.right.forward).toBe('vp');
  });

  it('rejects bad values with a message naming the field', () => {
    expect(message(decode({ preset: 'huge' }))).toMatch(/preset/);
    expect(message(decode({ data: 'svhn' }))).toMatch(/data/);
    expect(message(decode({ steps: '5,x' }))).toMatch(/steps/);
    expect(message(decode({ steps: '5,10', switchAt: '' }))).toMatch(/switchAt/);
    expect(message(decode({ steps: '5,10,20', switchAt: '30,20' }))).toMatch(/switchAt.*increasing/);
    expect(message(decode({ data: 'idx' }))).toMatch(/dataDir/);
    expect(message(decode({ preset: 'tiny', size: 9 }))).toMatch(/size.*divisible by 2/);
    expect(message(decode({ T: 0.0005 }))).toMatch(/T/);
    expect(message(decode({ batchSize: 0 }))).toMatch(/batchSize.*integer/);
    expect(parseIntList('5, 10 ,20')).toEqual([5, 10, 20]);
    expect(parseIntList('0,1')).toBeNull();
  });
});

describe('images batches and U-Nets', () => {
  it('batches are replayable epochs of a seeded permutation, scaled to [−1, 1], leak-free', () => {
    const n = 10;
    const images = new Uint8Array(n * 4).map((_, i) => Math.floor(i / 4) * 25);
    const ds: ImageDataset = { images, labels: new Uint8Array(n), n, height: 2, width: 2, channels: 1 };
    const a = batchSource(ds, 4, 3);
    const b = batchSource(ds, 4, 3);
    const rows = (t: tf.Tensor): number[] => {
      const v = t.dataSync();
      const count = t.shape[0] as number;
      t.dispose();
      return Array.from({ length: count }, (_, k) => Math.round(((v[k * 4] as number) + 1) * 127.5) / 25);
    };
    const first = expectNoLeaks(() => {
      const t = a(0);
      return { values: Array.from(t.dataSync()), t };
    });
    const row0 = Array.from({ length: 4 }, (_, k) => Math.round(((first.values[k * 4] as number) + 1) * 127.5) / 25);
    const epoch0 = [...row0, ...rows(a(1)), ...rows(a(2))].slice(0, 10);
    expect([...epoch0].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // one epoch = a permutation
    expect(rows(b(2))).toEqual(rows(a(2))); // replayable, also out of order
    const t = a(5);
    const v = t.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    t.dispose();
  });

  it('the U-Nets of the tiny preset map [B, 8, 8, 1] to itself at t ∈ [0, T], zero at initialisation', () => {
    const model = imageModel({ preset: 'tiny', size: 8, T: 0.05, g: 1, seed: 0, forward: 'learned', betaMin: 0.1, betaMax: 20 }, 1);
    const out = expectNoLeaks(() => {
      const y = tf.tidy(() => model.score.apply(tf.ones([2, 8, 8, 1]), 0.05));
      return { shape: y.shape, values: Array.from(y.dataSync()), y };
    });
    expect(out.shape).toEqual([2, 8, 8, 1]);
    expect(Math.max(...out.values.map(Math.abs))).toBe(0);
    expect(model.sde.drift.parameterCount).toBe(model.score.parameterCount);
    model.sde.drift.dispose();
    model.score.dispose();
  });
});

describe("images forward 'vp'", () => {
  const config = { preset: 'tiny', size: 8, T: 1, g: 1, seed: 0, forward: 'vp', betaMin: 0.1, betaMax: 20 } as const;
  const schedule = vpSchedule({ betaMin: 0.1, betaMax: 20 });
  /** [2, 8, 8, 1] inputs in about [−1, 1]. */
  const input = (): tf.Tensor4D => tf.tidy(() => tf.reshape(tf.sin(tf.mul(tf.range(0, 128), 0.37)), [2, 8, 8, 1]) as tf.Tensor4D);

  it('at initialisation is the VP SDE: drift −½β(t)x exactly, diffusion √β(t), score 0; leak-free', () => {
    const model = imageModel(config, 1);
    const x = input();
    const xs = Array.from(x.dataSync());
    const times = [0.3, 1e-3];
    const t = tf.tensor1d(times);
    const shared = expectNoLeaks(() => take(model.sde.drift.apply(x, 0.3)));
    // exactly the float32 product x·(−½β(t)) (adding the zero U-Net output changes nothing but −0)
    expect(shared).toEqual(xs.map((v) => Math.fround(v * Math.fround(-0.5 * vpBeta(schedule, 0.3))) + 0));
    const perRow = expectNoLeaks(() => take(model.sde.drift.apply(x, t)));
    const want = xs.map((v, i) => -0.5 * vpBeta(schedule, times[Math.floor(i / 64)] as number) * v);
    perRow.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThanOrEqual(1e-6 * Math.abs(want[i] as number)));
    for (const time of [1e-3, 0.5, 1]) expect(model.sde.diffusion(time)).toBeCloseTo(Math.sqrt(0.1 + 19.9 * time), 12);
    const score = expectNoLeaks(() => take(model.score.apply(x, t)));
    expect(Math.max(...score.map(Math.abs))).toBe(0);
    tf.dispose([x, t]);
    disposeModel(model);
  });

  it("the drift's and the score's parameters are the U-Nets' (names as in a 'learned' model)", () => {
    const model = imageModel(config, 1);
    const learned = imageModel({ ...config, forward: 'learned' }, 1);
    const variables = (ps: readonly { variable: unknown }[]): unknown[] => ps.map((p) => p.variable);
    expect(variables(model.sde.drift.parameters)).toHaveLength(model.nets.drift.parameters.length);
    expect(variables(model.sde.drift.parameters).every((v, i) => v === model.nets.drift.parameters[i]?.variable)).toBe(true);
    expect(variables(model.score.parameters).every((v, i) => v === model.nets.score.parameters[i]?.variable)).toBe(true);
    expect(model.sde.drift.parameterCount).toBe(model.nets.drift.parameterCount);
    expect(namedParameters(model).map((p) => p.name)).toEqual(namedParameters(learned).map((p) => p.name));
    expect(learned.sde.drift).toBe(learned.nets.drift);
    expect(learned.sde.diffusion(0.7)).toBe(1);
    disposeModel(model);
    disposeModel(learned);
    expect(model.nets.drift.parameters.every((p) => p.variable.isDisposed)).toBe(true);
  });

  it('the score is −ε_θ(x, t)/σ(t) of the score U-Net (σ the VP marginal std), undefined at t = 0', () => {
    const model = imageModel(config, 1);
    // give ε_θ a non-zero output: conv_out's weights from 0 to 0.05
    const out = model.nets.score.parameters.find((p) => p.name === 'conv_out.weight');
    expect(out).toBeDefined();
    tf.tidy(() => out!.variable.assign(tf.fill(out!.variable.shape, 0.05)));
    const x = input();
    const times = [0.01, 0.6];
    const t = tf.tensor1d(times);
    const eps = take(model.nets.score.apply(x, t));
    expect(Math.max(...eps.map(Math.abs))).toBeGreaterThan(0);
    const s = expectNoLeaks(() => take(model.score.apply(x, t)));
    const want = eps.map((v, i) => -v / vpMarginal(schedule, times[Math.floor(i / 64)] as number).std);
    expect(relativeError(s, want)).toBeLessThan(1e-5);
    const sShared = expectNoLeaks(() => take(model.score.apply(x, 0.6)));
    const epsShared = take(model.nets.score.apply(x, 0.6));
    expect(relativeError(sShared, epsShared.map((v) => -v / vpMarginal(schedule, 0.6).std))).toBeLessThan(1e-6);
    expect(() => model.score.apply(x, 0)).toThrow(/t must be > 0/);
    tf.dispose([x, t]);
    disposeModel(model);
  });
});
