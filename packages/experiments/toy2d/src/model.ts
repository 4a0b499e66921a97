import * as tf from '@tensorflow/tfjs-core';
import { constantDiffusion, diffflowSde, diffusionModel, type DiffusionModel } from '@diffflow/sde-core';
import { purposeSeed } from '@diffflow/training';
import { fourierMlp } from '@diffflow/networks';
import { sampleToy, type ToyName } from '@diffflow/datasets/toy2d';
import { fitNormalizer, type Normalizer } from '@diffflow/datasets/normalizer';
import type { Toy2dConfig } from './config.js';

/** The reference 2-D DiffFlow: two Fourier-time MLPs (drift, score) and a constant g, on [0, T]. */
export function toyModel(config: Pick<Toy2dConfig, 'hidden' | 'layers' | 'g' | 'seed' | 'T'>): DiffusionModel {
  const common = { dim: 2, hidden: config.hidden, layers: config.layers, seed: config.seed } as const;
  const drift = fourierMlp({ ...common, name: 'drift' });
  return diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(config.g), interval: [0, config.T] }), fourierMlp({ ...common, name: 'score' }));
}

/** The reference normalisation fitted once on 100k points drawn for the purpose 'normalizer'. */
export function toyNormalizer(dataset: ToyName, seed: number): Normalizer {
  return fitNormalizer(sampleToy(dataset, 100_000, { seed: purposeSeed(seed, 'normalizer'), iteration: 0 }), 2);
}

/** A training batch of an iteration, normalised: [B, 2]. Fresh points every iteration, replayable. */
export function toyBatch(dataset: ToyName, normalizer: Normalizer, seed: number, batch: number, iteration: number): tf.Tensor2D {
  return tf.tensor2d(normalizer.normalize(sampleToy(dataset, batch, { seed, iteration })), [batch, 2]);
}

/**
 * log|det ∂y/∂x| of the normalisation y = normalize(x) (affine, per coordinate): densities in the
 * dataset's coordinates are p_x(x) = p_y(y) · |det ∂y/∂x|, so NLL_x = NLL_y − normalizerLogDet.
 */
export function normalizerLogDet(normalizer: Normalizer): number {
  const probe = normalizer.normalize(new Float32Array(normalizer.dim * 2).fill(0).map((_, i) => (i < normalizer.dim ? 0 : 1)));
  let logDet = 0;
  for (let d = 0; d < normalizer.dim; d++) logDet += Math.log(Math.abs((probe[normalizer.dim + d] as number) - (probe[d] as number)));
  return logDet;
}
