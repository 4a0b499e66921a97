import type * as tf from '@tensorflow/tfjs-core';
import { purposeSeed } from '@diffflow/sde-core';
import type { GradientStrategyName } from '@diffflow/adjoint';
import type { ModelSpec } from '@diffflow/networks';
import { dataParallel, poolThreads, type DataParallel } from '@diffflow/parallel';
import type { TimeGrid } from '@diffflow/sde-core';
import { defaultSamplerName, type SampleRequest, type SamplerSpec } from '@diffflow/likelihood';
import { imageArchitectures, type ImagesConfig } from './config.js';
import { toBytes, type ImageModel } from './model.js';

/**
 * The images model of a configuration as a {@link ModelSpec} of @diffflow/parallel: the same parts
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
 * The sampling request of the images commands: `grid`, one sample [size, size, C] per row keyed by
 * (purposeSeed(seed, 'sample'), row), `batchSize` 64 rows at once.
 */
export function imageSampleRequest(model: ImageModel, config: Pick<ImagesConfig, 'size'>, grid: TimeGrid, n: number, seed: number): SampleRequest {
  return { grid, n, shape: [config.size, config.size, model.nets.drift.options.channels], seed: purposeSeed(seed, 'sample'), batchSize: 64 };
}

/** The sampler the images commands use when none is named: euler-maruyama with its defaults (sde-core's `defaultLambda`, the Tweedie last step). */
export const defaultImageSampler: SamplerSpec = Object.freeze({ name: defaultSamplerName });

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
  sampler: SamplerSpec = defaultImageSampler,
): Promise<Uint8Array> {
  return takeBytes(await pool.sample(model, { ...imageSampleRequest(model, config, grid, n, seed), sampler }));
}
