import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { formatDatasetError, type ImageDataset } from '@diffflow/datasets';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { resolveConfig, formatError } from '@diffflow/cli';
import { fixedGrid, vpBeta, vpMarginal, vpSchedule } from '@diffflow/sde-core';
import { checkImagesConfig, defaultsFor, ImagesConfig, imagesFlags, imagesNonIdentityFields, parseIntList, storedDefaultsFor } from './config.js';
import { batchSource, fitImages, imageModel, loadImageSplits, seededSubset, toBytes, vpForwardChain } from './model.js';
import { disposeModel, namedParameters } from '@diffflow/training';

/** A valid IDX pair (big-endian header) of n images h×w with pixel value (i + r + c) mod 256. */
function idxFiles(dir: string, prefix: 'train' | 't10k', n: number, h: number, w: number): void {
  const img = Buffer.alloc(16 + n * h * w);
  img.writeUInt32BE(0x00000803, 0);
  img.writeUInt32BE(n, 4);
  img.writeUInt32BE(h, 8);
  img.writeUInt32BE(w, 12);
  for (let i = 0; i < n; i++) for (let p = 0; p < h * w; p++) img[16 + i * h * w + p] = (i * 7 + p) % 256;
  const lab = Buffer.alloc(8 + n);
  lab.writeUInt32BE(0x00000801, 0);
  lab.writeUInt32BE(n, 4);
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), img);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), lab);
}

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

describe('images data', () => {
  it('loads an IDX folder, pads 6×6 to 8×8 and resizes to 4×4, held-out from the test split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'images-idx-'));
    idxFiles(dir, 'train', 12, 6, 6);
    idxFiles(dir, 't10k', 5, 6, 6);
    const r = await loadImageSplits({ data: 'idx', dataDir: dir, size: 8, fit: 'auto', heldOut: 3, seed: 0 })();
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect([r.right.train.n, r.right.train.height, r.right.heldOut.n]).toEqual([12, 8, 3]);
    // centred zero padding: row 0 is black, pixel (1, 1) is the original (0, 0) = 0·7 + 0
    expect(r.right.train.images[0]).toBe(0);
    expect(r.right.train.images[8 * 1 + 1 + 64 * 1]).toBe(7);
    const small = fitImages(r.right.train, { size: 4, fit: 'auto' });
    expect([small.height, small.width, small.n]).toEqual([4, 4, 12]);
  });

  it('a wrong magic number or a truncated file is the datasets error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'images-bad-'));
    idxFiles(dir, 'train', 4, 6, 6);
    idxFiles(dir, 't10k', 4, 6, 6);
    const bad = Buffer.alloc(16 + 4 * 36);
    bad.writeUInt32BE(0x12345678, 0);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), bad);
    const magic = await loadImageSplits({ data: 'idx', dataDir: dir, size: 8, fit: 'auto', heldOut: 2, seed: 0 })();
    expect(E.isLeft(magic) && formatDatasetError(magic.left)).toMatch(/train-images-idx3-ubyte/);
    idxFiles(dir, 'train', 4, 6, 6);
    const good = Buffer.alloc(16 + 4 * 36);
    good.writeUInt32BE(0x00000803, 0);
    good.writeUInt32BE(4, 4);
    good.writeUInt32BE(6, 8);
    good.writeUInt32BE(6, 12);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), good.subarray(0, 16 + 50));
    const truncated = await loadImageSplits({ data: 'idx', dataDir: dir, size: 8, fit: 'auto', heldOut: 2, seed: 0 })();
    expect(E.isLeft(truncated) && formatDatasetError(truncated.left)).toMatch(/t10k-images-idx3-ubyte/);
    const missing = await loadImageSplits({ data: 'cifar10', dataDir: join(dir, 'nothing'), size: 32, fit: 'auto', heldOut: 2, seed: 0 })();
    expect(E.isLeft(missing) && formatDatasetError(missing.left)).toMatch(/data_batch_1/);
  });

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
    expect(Array.from(toBytes(Float32Array.from([-1, 0, 1, 2, NaN])))).toEqual([0, 128, 255, 255, 0]);
  });

  it('evaluation subsets are seeded and mix the classes of a set grouped by class', () => {
    const n = 100;
    const labels = new Uint8Array(n).map((_, i) => Math.floor(i / 10));
    const ds: ImageDataset = { images: Uint8Array.from(labels), labels, n, height: 1, width: 1, channels: 1 };
    const a = seededSubset(ds, 20, 0, 'eval/images');
    expect(a.n).toBe(20);
    expect(new Set(a.labels).size).toBeGreaterThanOrEqual(6); // a prefix would hold 2 classes
    expect(Array.from(seededSubset(ds, 20, 0, 'eval/images').images)).toEqual(Array.from(a.images));
    expect(seededSubset(ds, 500, 0, 'x').n).toBe(100);
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

  it('vpForwardChain: the Euler–Maruyama chain of the VP SDE, exact on fine grids, overshooting on coarse ones', () => {
    // 2000 uniform steps: the chain's moments approach the SDE's m(1) ≈ 6.7e-3 and σ(1)² ≈ 1 (Euler bias O(Δt))
    const fine = vpForwardChain(schedule, fixedGrid({ steps: 2000, tMin: 0, tMax: 1, beta: 1 }));
    const exact = vpMarginal(schedule, 1);
    expect(Math.abs(fine.meanCoefficient - exact.meanCoefficient)).toBeLessThan(2e-3);
    expect(Math.abs(fine.variance - exact.std ** 2)).toBeLessThan(1e-2);
    // the cpu preset's N = 10 grid, uniform in t^0.5 on [1e-3, 1]: the last step, β(0.81)·0.18 ≈ 3, overshoots
    const coarse = vpForwardChain(schedule, fixedGrid({ steps: 10, tMin: 1e-3, tMax: 1, beta: 0.5 }));
    expect(coarse.maxStep).toBe(9);
    expect(coarse.maxStepVariance).toBeGreaterThan(2.9);
    expect(coarse.maxStepVariance).toBeLessThan(3.1);
    expect(coarse.variance).toBeGreaterThan(3.4);
    expect(coarse.variance).toBeLessThan(3.7);
  });
});
