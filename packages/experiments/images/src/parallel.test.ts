import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeError } from '@diffflow/test-utils';
import { forwardNoise, modelFields, type DiffusionModel } from '@diffflow/sde-core';
import { gradientStrategy, modelFromSpec, type DataParallel } from '@diffflow/adjoint';
import { trajectoryLossTerms } from '@diffflow/losses';
import { imagePresetDefaults, type ImagesConfig } from './config.js';
import { imageModel, runGrid } from './model.js';
import { imageModelSpec, imagesPool, sampleImagesParallel, threadsOf } from './parallel.js';
import { buildTrainer, sampleImages } from './train.js';
import { subsetImages, type ImageDataset } from '@diffflow/datasets';

const tiny: ImagesConfig = { ...imagePresetDefaults.tiny, preset: 'tiny' };
const vp: ImagesConfig = { ...tiny, forward: 'vp', T: 1, tMin: 1e-3, beta: 1, betaMax: 10 };

const layout = (m: DiffusionModel): string[] => modelFields(m).flatMap((f) => f.parameters.map((p) => `${p.name} [${p.variable.shape.join(',')}]`));
const dispose = (m: DiffusionModel): void => modelFields(m).forEach((f) => f.dispose());

describe('imageModelSpec', () => {
  it.each([
    ['learned', tiny],
    ['vp', vp],
  ])("rebuilds imageModel's parameters (names, shapes, order) for forward '%s'", (_, config) => {
    const model = imageModel(config, 1);
    const fromSpec = modelFromSpec(imageModelSpec(config, 1));
    expect(layout(fromSpec)).toEqual(layout(model));
    expect(layout(model).length).toBeGreaterThan(10);
    expect(fromSpec.sde.interval).toEqual(model.sde.interval);
    dispose(model);
    dispose(fromSpec);
  });

  it('threadsOf: 0 is one per core, n is n', () => {
    expect(threadsOf(0)).toBeGreaterThanOrEqual(1);
    expect(threadsOf(3)).toBe(3);
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
    expect(pool).toBeDefined();
    pools.push(pool as DataParallel);
    expect(await imagesPool({ ...vp, strategy: 'adjoint', workers: 1 }, 1)).toBeUndefined();

    const x0 = tf.tidy(() => tf.tanh(tf.randomNormal([5, 8, 8, 1], 0, 1, 'float32', 3)));
    const grid = runGrid(vp, 3);
    const key = { seed: 4, iteration: 1 };
    const single = gradientStrategy('adjoint')(model, x0, grid, forwardNoise(key.seed, key.iteration));
    const split = (pool as DataParallel).gradientsSync(model, x0, grid, key);
    const read = (r: typeof single): number[] => [
      ...trajectoryLossTerms.map((k) => r.loss[k].dataSync()[0] as number),
      ...Object.keys(single.grads).flatMap((name) => Array.from((r.grads[name] as tf.Tensor).dataSync())),
    ];
    expect(Object.keys(split.grads).sort()).toEqual(Object.keys(single.grads).sort());
    expect(relativeError(read(split), read(single))).toBeLessThan(1e-5);
    tf.dispose([x0, ...Object.values(single.grads), ...Object.values(split.grads), ...Object.values(single.loss), ...Object.values(split.loss)]);

    const one = sampleImages(model, vp, grid, 5, 3, 1, true);
    const two = await sampleImagesParallel(pool as DataParallel, model, vp, grid, 5, 3, 1, true);
    expect(Array.from(two)).toEqual(Array.from(one));
    dispose(model);
  }, 120_000);

  it('trains on two threads as on one: the same trajectory-KL objectives (rel. ≤ 1e-5) over 3 iterations', async () => {
    const config: ImagesConfig = { ...vp, batchSize: 4, steps: '3', switchAt: '', warmup: 0 };
    const pixels = new Uint8Array(12 * 64).map((_, i) => (i * 37) % 256);
    const train: ImageDataset = subsetImages({ images: pixels, labels: new Uint8Array(12), n: 12, height: 8, width: 8, channels: 1 } as ImageDataset, [...Array(12).keys()]);
    const pool = (await imagesPool({ ...config, strategy: 'adjoint', workers: 2 }, 1)) as DataParallel;
    pools.push(pool);
    const one = await buildTrainer(config, { steps: [3], switchAt: [] }, train, '/nonexistent');
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
});
