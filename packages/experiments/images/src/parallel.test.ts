import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeError } from '@diffflow/test-utils';
import { forwardNoise, modelFields, type DiffusionModel } from '@diffflow/sde-core';
import { gradientStrategy } from '@diffflow/adjoint';
import { modelFromSpec } from '@diffflow/networks';
import type { DataParallel } from '@diffflow/parallel';
import { trajectoryLossTerms } from '@diffflow/losses';
import { imagePresetDefaults, type ImagesConfig } from './config.js';
import { heldOutGrid } from '@diffflow/experiment';
import { imageModel, imageModelSpec } from './model.js';
import { buildTrainer, imagesPool, sampleImages } from './train.js';
import { subsetImages, type ImageDataset } from '@diffflow/datasets';

const tiny: ImagesConfig = { ...imagePresetDefaults.tiny, preset: 'tiny' };
const vp: ImagesConfig = { ...tiny, forward: 'vp', T: 1, tMin: 1e-3, beta: 1, betaMax: 10 };

const layout = (m: DiffusionModel): string[] => modelFields(m).flatMap((f) => f.parameters.map((p) => `${p.name} [${p.variable.shape.join(',')}]`));
const dispose = (m: DiffusionModel): void => modelFields(m).forEach((f) => f.dispose());

describe('imageModelSpec', () => {
  it.each([
    ['learned', tiny],
    ['vp', vp],
  ])("is imageModel as a worker rebuilds it (parameter names, shapes, order; U-Net handles) for forward '%s'", (_, config) => {
    const model = imageModel(config, 1);
    const fromSpec = modelFromSpec(imageModelSpec(config, 1));
    expect(layout(fromSpec)).toEqual(layout(model));
    expect(layout(model).length).toBeGreaterThan(10);
    expect(fromSpec.sde.interval).toEqual(model.sde.interval);
    // the drift's and the score's parameters are the two U-Nets' own
    expect(model.nets.drift.parameters.map((p) => p.name)).toEqual(model.sde.drift.parameters.map((p) => p.name));
    expect(model.nets.score.parameters.map((p) => p.name)).toEqual(model.score.parameters.map((p) => p.name));
    expect(model.vp === undefined).toBe(config.forward !== 'vp');
    dispose(model);
    dispose(fromSpec);
  });
});

describe('the images model on two threads', () => {
  const pools: DataParallel[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.dispose()));
  });

  it("gives one thread's trajectory-KL gradients (rel. ≤ 1e-5, float32 summation order) and the same sample bytes", async () => {
    const model = imageModel(vp, 1);
    // random weights everywhere (the U-Nets' last convolutions start at zero), so every parameter has a gradient
    for (const f of modelFields(model)) for (const p of f.parameters) p.variable.assign(tf.tidy(() => tf.mul(tf.randomNormal(p.variable.shape, 0, 1, 'float32', 7), 0.1)));
    const pool = await imagesPool({ ...vp, strategy: 'adjoint', workers: 2 }, 1);
    const onePool = await imagesPool({ ...vp, strategy: 'adjoint', workers: 1 }, 1);
    pools.push(pool, onePool);
    expect([pool.shards, onePool.shards]).toEqual([2, 1]);

    const x0 = tf.tidy(() => tf.tanh(tf.randomNormal([5, 8, 8, 1], 0, 1, 'float32', 3)));
    const grid = heldOutGrid(vp, 3);
    const key = { seed: 4, iteration: 1 };
    const single = gradientStrategy('adjoint')(model, x0, grid, forwardNoise(key.seed, key.iteration));
    const split = pool.gradientsSync(model, x0, grid, key);
    const read = (r: typeof single): number[] => [
      ...trajectoryLossTerms.map((k) => r.loss[k].dataSync()[0] as number),
      ...Object.keys(single.grads).flatMap((name) => Array.from((r.grads[name] as tf.Tensor).dataSync())),
    ];
    expect(Object.keys(split.grads).sort()).toEqual(Object.keys(single.grads).sort());
    expect(relativeError(read(split), read(single))).toBeLessThan(1e-5);
    tf.dispose([x0, ...Object.values(single.grads), ...Object.values(split.grads), ...Object.values(single.loss), ...Object.values(split.loss)]);

    const one = await sampleImages(onePool, model, vp, grid, 5, 3, { name: 'euler-maruyama', settings: { lambda: 1, denoise: true } });
    const two = await sampleImages(pool, model, vp, grid, 5, 3, { name: 'euler-maruyama', settings: { lambda: 1, denoise: true } });
    expect(Array.from(two)).toEqual(Array.from(one));
    dispose(model);
  }, 120_000);

  it('trains on two threads as on one: the same trajectory-KL objectives (rel. ≤ 1e-5) over 3 iterations', async () => {
    const config: ImagesConfig = { ...vp, batchSize: 4, steps: '3', switchAt: '', warmup: 0 };
    const pixels = new Uint8Array(12 * 64).map((_, i) => (i * 37) % 256);
    const train: ImageDataset = subsetImages({ images: pixels, labels: new Uint8Array(12), n: 12, height: 8, width: 8, channels: 1 } as ImageDataset, [...Array(12).keys()]);
    const [pool, onePool] = [await imagesPool({ ...config, strategy: 'adjoint', workers: 2 }, 1), await imagesPool({ ...config, strategy: 'adjoint' }, 1, 1)];
    pools.push(pool, onePool);
    const one = await buildTrainer(config, { steps: [3], switchAt: [] }, train, '/nonexistent', onePool);
    const two = await buildTrainer(config, { steps: [3], switchAt: [] }, train, '/nonexistent', pool);
    const objectives = (tr: typeof one.trainer): number[] => [0, 1, 2].map(() => tr.step().objective);
    const [a, b] = [objectives(one.trainer), objectives(two.trainer)];
    expect(relativeError(b, a)).toBeLessThan(1e-5);
    expect(new Set(a).size).toBe(3); // three different iterations, not one value repeated
    for (const r of [one, two]) {
      r.trainer.dispose();
      dispose(r.model);
    }
  }, 120_000);

  // the score warm-up (DDPM's ε-loss, 3 iterations of batch 5: shards of 2 and 3 rows), then the trajectory KL
  const warm: ImagesConfig = { ...vp, batchSize: 4, steps: '3', switchAt: '', warmup: 3, warmupBatch: 5, warmupLr: 1e-2 };
  const schedule = { steps: [3], switchAt: [] };
  const pixels = new Uint8Array(12 * 64).map((_, i) => (i * 53 + 11) % 256);
  const warmData: ImageDataset = subsetImages({ images: pixels, labels: new Uint8Array(12), n: 12, height: 8, width: 8, channels: 1 } as ImageDataset, [...Array(12).keys()]);
  const weights = (m: DiffusionModel): number[] => modelFields(m).flatMap((f) => f.parameters.flatMap((p) => Array.from(p.variable.dataSync())));

  it('trains the score warm-up on two threads as on one: the same losses and weights (rel. ≤ 1e-5, float32 summation order), tidy-clean', async () => {
    const [pool, onePool] = [await imagesPool({ ...warm, strategy: 'adjoint', workers: 2 }, 1), await imagesPool({ ...warm, strategy: 'adjoint' }, 1, 1)];
    pools.push(pool, onePool);
    const one = await buildTrainer(warm, schedule, warmData, '/nonexistent', onePool);
    const two = await buildTrainer(warm, schedule, warmData, '/nonexistent', pool);
    const initial = weights(one.model);
    const run = (tr: typeof one.trainer): { phase: string; objective: number }[] => [0, 1, 2, 3].map(() => tr.step()).map((m) => ({ phase: m.phase, objective: m.objective }));
    const a = run(one.trainer);
    const b = [two.trainer.step(), two.trainer.step()].map((m) => ({ phase: m.phase, objective: m.objective }));
    const before = tf.memory().numTensors; // Adam's moments exist from the first step on
    b.push(...[two.trainer.step()].map((m) => ({ phase: m.phase, objective: m.objective })));
    expect(tf.memory().numTensors, 'a warm-up step on two threads left tensors behind').toBe(before);
    b.push(...[two.trainer.step()].map((m) => ({ phase: m.phase, objective: m.objective })));
    expect(a.map((m) => m.phase)).toEqual(['score-warmup', 'score-warmup', 'score-warmup', 'trajectory-kl']);
    expect(b.map((m) => m.phase)).toEqual(a.map((m) => m.phase));
    expect(new Set(a.map((m) => m.objective)).size).toBe(4);
    expect(relativeError(b.map((m) => m.objective), a.map((m) => m.objective))).toBeLessThan(1e-5);
    const [wa, wb] = [weights(one.model), weights(two.model)];
    expect(relativeError(wb, wa)).toBeLessThan(1e-5);
    expect(relativeError(wb, initial)).toBeGreaterThan(1e-3); // trained, not the initial weights
    for (const r of [one, two]) {
      r.trainer.dispose();
      dispose(r.model);
    }
  }, 120_000);

  it('resumes bit-identically on two threads: a trainer restored after 2 warm-up iterations runs iterations 2–4 as the uninterrupted one', async () => {
    const pool = await imagesPool({ ...warm, strategy: 'adjoint', workers: 2 }, 1);
    pools.push(pool);
    const whole = await buildTrainer(warm, schedule, warmData, '/nonexistent', pool);
    const wholeObjectives = [0, 1, 2, 3, 4].map(() => whole.trainer.step().objective);
    const first = await buildTrainer(warm, schedule, warmData, '/nonexistent', pool);
    first.trainer.step();
    first.trainer.step();
    const state = first.trainer.state();
    const second = await buildTrainer(warm, schedule, warmData, '/nonexistent', pool);
    second.trainer.restore(state);
    tf.dispose([...state.tensors.values()]);
    const resumed = [2, 3, 4].map(() => second.trainer.step().objective);
    expect(resumed).toEqual(wholeObjectives.slice(2));
    expect(weights(second.model)).toEqual(weights(whole.model));
    for (const r of [whole, first, second]) {
      r.trainer.dispose();
      dispose(r.model);
    }
  }, 120_000);
});
