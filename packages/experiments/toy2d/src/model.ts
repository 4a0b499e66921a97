import * as tf from '@tensorflow/tfjs-core';
import { type DiffusionModel, purposeSeed } from '@diffflow/sde-core';
import { fourierDiffFlowSpec, modelFromSpec, type ModelSpec } from '@diffflow/networks';
import { pointCloud, samplePointCloud, sampleToy, type PointCloud, type ToyKey, type ToyName } from '@diffflow/datasets/toy2d';
import { fitNormalizer, type Normalizer } from '@diffflow/datasets/normalizer';
import type { Toy2dConfig } from './config.js';

/** What a toy2d run learns: one of the library's toys by name, or a point cloud with its jitter (dataset 'points'). */
export type Toy2dData = ToyName | PointCloud;

/**
 * The distribution a configuration names: its toy, or (dataset 'points') the cloud `points` with
 * jitter σ = `jitter`. Throws a RangeError naming `points` for dataset 'points' without a valid cloud
 * (a configuration from `resolveToy2dConfig` always has one).
 */
export function toy2dData(config: Pick<Toy2dConfig, 'dataset' | 'points' | 'jitter'>): Toy2dData {
  return config.dataset === 'points' ? pointCloud(config.points.flat(), config.jitter) : config.dataset;
}

/**
 * n points of the data in their own coordinates, [n, 2] row-major: `sampleToy` for a toy,
 * `samplePointCloud` for a cloud — both keyed by (seed, iteration) and prefix-stable.
 */
export function sampleToy2dData(data: Toy2dData, n: number, key: ToyKey): Float32Array {
  return typeof data === 'string' ? sampleToy(data, n, key) : samplePointCloud(data, n, key);
}

/** A short name of the data for titles and logs: the toy's name, or 'points (n = …)'. */
export function toy2dDataName(data: Toy2dData): string {
  return typeof data === 'string' ? data : `points (n = ${data.points.length / 2})`;
}

/**
 * The reference 2-D DiffFlow as plain data (networks' `fourierDiffFlowSpec`: two Fourier-time MLPs
 * named 'drift' and 'score' and a constant g, on [0, T]) — the one definition of the model, built by
 * {@link toyModel} on this thread and by every worker of a pool (`toyPool`).
 */
export function toyModelSpec(config: Pick<Toy2dConfig, 'hidden' | 'layers' | 'g' | 'seed' | 'T'>): ModelSpec {
  return fourierDiffFlowSpec({ dim: 2, hidden: config.hidden, layers: config.layers, seed: config.seed, g: config.g, T: config.T });
}

/** The reference 2-D DiffFlow, built from {@link toyModelSpec}. */
export function toyModel(config: Pick<Toy2dConfig, 'hidden' | 'layers' | 'g' | 'seed' | 'T'>): DiffusionModel {
  return modelFromSpec(toyModelSpec(config));
}

/** The reference normalisation fitted once on 100k points drawn for the purpose 'normalizer'. */
export function toyNormalizer(data: Toy2dData, seed: number): Normalizer {
  return fitNormalizer(sampleToy2dData(data, 100_000, { seed: purposeSeed(seed, 'normalizer'), iteration: 0 }), 2);
}

/** A training batch of an iteration, normalised: [B, 2]. Fresh points every iteration, replayable. */
export function toyBatch(data: Toy2dData, normalizer: Normalizer, seed: number, batch: number, iteration: number): tf.Tensor2D {
  return tf.tensor2d(normalizer.normalize(sampleToy2dData(data, batch, { seed, iteration })), [batch, 2]);
}

/** Held-out points of a run in the data's coordinates, [n, 2]: the draw keyed (purposeSeed(seed, 'test'), iteration 0). */
export function heldOutPoints(data: Toy2dData, seed: number, n: number): Float32Array {
  return sampleToy2dData(data, n, { seed: purposeSeed(seed, 'test'), iteration: 0 });
}

/** Plot bounds of a set of points in their own coordinates: their range plus a 10% margin. */
export function toyBounds(points: Float32Array): [number, number, number, number] {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i] as number);
    x1 = Math.max(x1, points[i] as number);
    y0 = Math.min(y0, points[i + 1] as number);
    y1 = Math.max(y1, points[i + 1] as number);
  }
  const m = 0.1 * Math.max(x1 - x0, y1 - y0);
  return [x0 - m, x1 + m, y0 - m, y1 + m];
}

/** The plot bounds of a run's figures (sample and eval draw them so): `toyBounds` of 10,000 points keyed 'plot-data'. */
export function plotBounds(data: Toy2dData, seed: number): [number, number, number, number] {
  return toyBounds(sampleToy2dData(data, 10_000, { seed: purposeSeed(seed, 'plot-data'), iteration: 0 }));
}
