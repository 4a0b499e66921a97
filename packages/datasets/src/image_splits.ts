/**
 * The image data sets by name, as an image experiment trains and evaluates on them: a training
 * split and a held-out split (never trained on), both brought to size × size as bytes, and seeded
 * subsets of either (a prefix of the embedded MNIST digits, which are grouped by class, would be
 * one digit).
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { purposeSeed } from '@diffflow/sde-core';
import type { DatasetError } from './errors.js';
import { resizeImages, splitImages, subsetImages, type ImageDataset } from './images.js';
import { loadEmbeddedMnist, loadFashionMnist, loadIdxDirectory } from './mnist.js';
import { loadCifar10 } from './cifar10.js';
import { seededRows } from './split.js';

/** Where the images come from: the embedded 10k MNIST digits, Fashion-MNIST, any IDX folder, CIFAR-10 binary batches. */
export const imageDataNames = ['mnist', 'fashion', 'idx', 'cifar10'] as const;
/** One of {@link imageDataNames}. */
export type ImageDataName = (typeof imageDataNames)[number];

/** How images reach size × size: 'auto' pads (centred, black) when they fit, else resizes. */
export const imageFitNames = ['auto', 'pad', 'resize'] as const;
/** One of {@link imageFitNames}. */
export type ImageFit = (typeof imageFitNames)[number];

/** What fixes an image split: the data, where its files lie, the size, the fit, the held-out count and the seed. */
export interface ImageSplitOptions {
  readonly data: ImageDataName;
  /** The folder of the files ('' = the default place: fashion looks in its candidate folders; idx and cifar10 need one). */
  readonly dataDir: string;
  readonly size: number;
  readonly fit: ImageFit;
  /** Held-out images (at most all of the test split; for mnist at most n − 1 of the 10k). */
  readonly heldOut: number;
  readonly seed: number;
}

/** Train and held-out images as 8-bit bytes at the split's size, [n, size, size, c]. */
export interface ImageSplits {
  readonly train: ImageDataset;
  readonly heldOut: ImageDataset;
}

/**
 * Loads the named data and brings it to size × size (bytes):
 * - mnist: the embedded 10k digits, `heldOut` of them split off by a seeded permutation
 *   (`splitImages`, key purposeSeed(seed, 'split'));
 * - fashion / idx / cifar10: the train split for training, `heldOut` images of the test split
 *   (the first of a seeded permutation, kept in order) for evaluation.
 * A missing, truncated or malformed file is a `DatasetError` naming it.
 */
export function loadImageSplits(options: ImageSplitOptions): TE.TaskEither<DatasetError, ImageSplits> {
  const dir = options.dataDir === '' ? undefined : options.dataDir;
  const seed = purposeSeed(options.seed, 'split');
  const both = (train: TE.TaskEither<DatasetError, ImageDataset>, test: TE.TaskEither<DatasetError, ImageDataset>): TE.TaskEither<DatasetError, ImageSplits> =>
    pipe(
      train,
      TE.chain((tr) => TE.map((te: ImageDataset) => ({ train: tr, heldOut: subsetImages(te, seededRows(te.n, options.heldOut, seed, 'heldOut')) }))(test)),
    );
  let raw: TE.TaskEither<DatasetError, ImageSplits>;
  switch (options.data) {
    case 'mnist':
      raw = TE.map((ds: ImageDataset) => splitImages(ds, { heldOut: Math.min(options.heldOut, ds.n - 1), seed }))(loadEmbeddedMnist());
      break;
    case 'fashion':
      raw = both(loadFashionMnist('train', dir), loadFashionMnist('test', dir));
      break;
    case 'idx':
      raw = both(loadIdxDirectory(options.dataDir, 'train'), loadIdxDirectory(options.dataDir, 'test'));
      break;
    case 'cifar10':
      raw = both(loadCifar10(options.dataDir, 'train'), loadCifar10(options.dataDir, 'test'));
      break;
  }
  return TE.map((s: ImageSplits) => ({ train: fitImages(s.train, options), heldOut: fitImages(s.heldOut, options) }))(raw);
}

/**
 * Pads (centred, black) or resizes to size × size; 'auto' pads when the images fit.
 * @throws RangeError for fit 'pad' with images larger than size
 */
export function fitImages(ds: ImageDataset, options: { readonly size: number; readonly fit: ImageFit }): ImageDataset {
  const fits = ds.height <= options.size && ds.width <= options.size;
  const pad = options.fit === 'pad' || (options.fit === 'auto' && fits);
  if (ds.height === options.size && ds.width === options.size) return ds;
  if (pad && !fits) throw new RangeError(`fit 'pad' needs size ≥ the images' ${ds.height}×${ds.width}, got ${options.size}`);
  return resizeImages(ds, { size: options.size, pad: pad ? 'zero' : 'resize' });
}

/**
 * `count` images of a set (all of them when count ≥ n) chosen by a seeded permutation keyed
 * (purposeSeed(seed, purpose), purpose), kept in their original order.
 */
export function seededImages(ds: ImageDataset, count: number, seed: number, purpose: string): ImageDataset {
  return subsetImages(ds, seededRows(ds.n, count, purposeSeed(seed, purpose), purpose));
}
