import type * as tf from '@tensorflow/tfjs-core';
import { purposeSeed } from '@diffflow/sde-core';
import { dataParallel, poolThreads, type DataParallel, type GradientStrategyName, type ModelSpec } from '@diffflow/adjoint';
import type { TimeGrid } from '@diffflow/sde-core';

import { imageArchitectures, type ImagesConfig } from './config.js';
import { toBytes, type ImageModel } from './model.js';

/**
 * The images model of a configuration as a {@link ModelSpec} of @diffflow/adjoint: the same parts
 * `imageModel` composes (two U-Nets named 'drift' and 'score'; forward 'learned': DiffFlow with
 * constant g on [0, T]; forward 'vp': drift `sumFields` of the VP drift and the U-Net, g = √β(t),
 * score `scoreFromEpsilon` of the score U-Net), so a worker rebuilds it with the same parameters.
 */
export function imageModelSpec(config: Pick<ImagesConfig, 'preset' | 'size' | 'T' | 'g' | 'seed' | 'forward' | 'betaMin' | 'betaMax'>, channels: number): ModelSpec {
  const common = { ...imageArchitectures[config.preset], height: config.size, channels, timeScale: 1000 / config.T, seed: config.seed };
  const drift = { kind: 'unet', options: { ...common, name: 'drift' } } as const;
  const score = { kind: 'unet', options: { ...common, name: 'score' } } as const;
  const interval = [0, config.T] as const;
  if (config.forward !== 'vp') return { sde: { kind: 'diffflow', drift, diffusion: { kind: 'constant', value: config.g }, interval }, score };
  const vp = { kind: 'vp', betaMin: config.betaMin, betaMax: config.betaMax } as const;
  return {
    sde: { kind: 'diffflow', drift: { kind: 'sum', name: 'drift', fields: [{ kind: 'sdeDrift', sde: vp }, drift] }, diffusion: { kind: 'sde', sde: vp }, interval },
    score: { kind: 'scoreFromEpsilon', name: 'score', epsilon: score, sde: vp },
  };
}

/**
 * A pool of `threads − 1` worker replicas of the images model plus this thread's shard, or
 * undefined for one thread (nothing to split). The caller disposes it.
 */
export async function imagesPool(
  config: Pick<ImagesConfig, 'preset' | 'size' | 'T' | 'g' | 'seed' | 'forward' | 'betaMin' | 'betaMax' | 'workers'> & { readonly strategy: GradientStrategyName },
  channels: number,
): Promise<DataParallel | undefined> {
  const threads = poolThreads(config.workers);
  if (threads <= 1) return undefined;
  return dataParallel({ spec: imageModelSpec(config, channels), strategy: config.strategy, workers: threads - 1 });
}

/**
 * The sampler options of the images commands: λ-family on `grid`, one sample [size, size, C] per row
 * keyed by (purposeSeed(seed, 'sample'), row), `batchSize` 64 rows at once.
 */
export function imageSampleOptions(model: ImageModel, config: Pick<ImagesConfig, 'size'>, grid: TimeGrid, n: number, seed: number, lambda: number, denoise: boolean) {
  return { grid, lambda, n, shape: [config.size, config.size, model.nets.drift.options.channels], seed: purposeSeed(seed, 'sample'), denoise, batchSize: 64 };
}

/** Samples in [−1, 1] → bytes (the tensor is disposed). */
export function takeBytes(samples: tf.Tensor): Uint8Array {
  const values = samples.dataSync() as Float32Array;
  samples.dispose();
  return toBytes(values);
}

/**
 * `sampleImages` (train.ts) split across a pool's shards: the same keys per row, so the same bytes
 * as on one thread.
 */
export async function sampleImagesParallel(
  pool: DataParallel,
  model: ImageModel,
  config: Pick<ImagesConfig, 'size'>,
  grid: TimeGrid,
  n: number,
  seed: number,
  lambda = 1,
  denoise = true,
): Promise<Uint8Array> {
  return takeBytes(await pool.sample(model, imageSampleOptions(model, config, grid, n, seed, lambda, denoise)));
}
