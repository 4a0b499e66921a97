import type * as tf from '@tensorflow/tfjs-core';
import { fixedGrid, type DiffusionModel, type VpSchedule, purposeSeed } from '@diffflow/sde-core';
import { replicaFromSpec, type ModelSpec, type UNetField } from '@diffflow/networks';
import { epochBatchRows, seededPermutation, type ImageDataset } from '@diffflow/datasets';
import { imageRows } from '@diffflow/metrics';
import { imageArchitectures, type ImagesConfig } from './config.js';

/**
 * An images DiffFlow built on two U-Nets of the preset's architecture, `nets.drift` and `nets.score`,
 * a `DiffusionModel` on [0, T] with the prior N(0, I):
 * - forward 'learned': drift = f_θ, score = s_θ (the U-Nets themselves), constant g;
 * - forward 'vp': drift = −½β(t)x + f_θ (`sumFields` of the VP drift and f_θ), score = −ε_θ/σ(t)
 *   (`scoreFromEpsilon` of the score U-Net), g = √β(t).
 * Either way `sde.drift.parameters` / `score.parameters` are the U-Nets' own (checkpoint names agree).
 */
export interface ImageModel extends DiffusionModel {
  readonly nets: { readonly drift: UNetField; readonly score: UNetField };
  /** The VP schedule of forward 'vp'; undefined for 'learned'. */
  readonly vp?: VpSchedule;
}

/**
 * The images model of a configuration as plain data (a `ModelSpec` of @diffflow/networks), the one
 * definition of it that {@link imageModel} builds on this thread and every worker of a pool rebuilds:
 * two U-Nets named 'drift' and 'score', the time embedding scaled by 1000/T; forward 'learned':
 * DiffFlow with constant g on [0, T]; forward 'vp': drift `sum` of the VP drift and the U-Net,
 * g = √β(t), score `scoreFromEpsilon` of the score U-Net.
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
 * The images model of {@link imageModelSpec} on this thread: drift and score U-Nets, the time
 * embedding scaled by 1000/T (DDPM's phase range over [0, T]), in the configured forward process (see
 * {@link ImageModel}). Both U-Nets' last convolutions start at zero, so at initialisation 'learned'
 * is dx = g dw and 'vp' is exactly the VP SDE.
 */
export function imageModel(config: Pick<ImagesConfig, 'preset' | 'size' | 'T' | 'g' | 'seed' | 'forward' | 'betaMin' | 'betaMax'>, channels: number): ImageModel {
  const { model, networks, schedule } = replicaFromSpec(imageModelSpec(config, channels));
  const { drift, score } = networks.unet;
  if (drift === undefined || score === undefined) throw new Error("imageModel: the spec built no U-Nets named 'drift' and 'score'");
  return { ...model, nets: { drift, score }, ...(schedule === undefined ? {} : { vp: schedule }) };
}

/** The fixed evaluation grid of a run's configuration with N steps. */
export function runGrid(config: ImagesConfig, steps: number): readonly number[] {
  return fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta });
}

/**
 * Training batches in [−1, 1] (x = v/127.5 − 1, NHWC): epochs of seeded permutations of the
 * training set (datasets' `epochBatchRows`, epoch e keyed (purposeSeed(seed, 'batches'), `epoch/e`)).
 * Replayable from (seed, iteration).
 */
export function batchSource(train: ImageDataset, batch: number, seed: number): (iteration: number) => tf.Tensor4D {
  const rows = epochBatchRows(train.n, batch, (epoch) => seededPermutation(train.n, purposeSeed(seed, 'batches'), `epoch/${epoch}`));
  return (iteration) => imageRows(train, rows(iteration));
}
