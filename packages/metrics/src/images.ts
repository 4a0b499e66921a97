import * as tf from '@tensorflow/tfjs-core';
import type { LeNetArchitecture } from './lenet.js';

/**
 * Images for the classifier, [n, height, width, channels] row-major (NHWC):
 * - `Uint8Array`: 8-bit pixels v ∈ 0…255 (what `samples.npy` and datasets' `ImageDataset` hold —
 *   an `ImageDataset` is one);
 * - `Float32Array`: the model space x = v/127.5 − 1 ∈ [−1, 1].
 */
export interface ClassifierImages {
  readonly images: Uint8Array | Float32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Images with their class labels 0 … classes − 1 (an `ImageDataset` is one). */
export interface LabelledImages extends ClassifierImages {
  /** [n] class labels. */
  readonly labels: ArrayLike<number>;
}

/** Images as arrays, or a tensor [n, H, W, C] in [−1, 1] (read, never disposed). */
export type ImagesInput = ClassifierImages | tf.Tensor4D;

/** The number of images in an input. */
export function imageCount(images: ImagesInput): number {
  return images instanceof tf.Tensor ? (images.shape[0] as number) : images.n;
}

/**
 * Checks that images fit a classifier's input: sizes consistent, height × width × channels the
 * architecture's, at least one image.
 * @throws RangeError naming `name` (the caller's argument) and what was expected
 */
export function checkImagesFor(arch: LeNetArchitecture, images: ImagesInput, name: string, caller: string): void {
  const [n, h, w, c] = images instanceof tf.Tensor ? (images.shape as [number, number, number, number]) : [images.n, images.height, images.width, images.channels];
  if (images instanceof tf.Tensor && images.rank !== 4) throw new RangeError(`${caller}: ${name} must be a 4-D tensor [n, H, W, C], got shape [${images.shape.join(', ')}]`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${caller}: ${name} must hold at least one image, got n = ${n}`);
  if (h !== arch.height || w !== arch.width || c !== arch.channels) {
    throw new RangeError(`${caller}: ${name} are ${h}×${w}×${c}, the classifier takes ${arch.height}×${arch.width}×${arch.channels} (pad or resize them as the classifier's training images were)`);
  }
  if (!(images instanceof tf.Tensor)) {
    if (!(images.images instanceof Uint8Array || images.images instanceof Float32Array)) throw new RangeError(`${caller}: ${name}.images must be a Uint8Array (0…255) or Float32Array ([−1, 1])`);
    if (images.images.length !== n * h * w * c) throw new RangeError(`${caller}: ${name}.images has ${images.images.length} values, expected n·H·W·C = ${n * h * w * c}`);
  }
}

/**
 * Rows `rows` of array images as a tensor in [−1, 1] (bytes mapped by x = v/127.5 − 1).
 * @param rows [b] indices in [0, n)
 * @returns [b, H, W, C] (the caller disposes it)
 */
export function imageRows(images: ClassifierImages, rows: ArrayLike<number>): tf.Tensor4D {
  const size = images.height * images.width * images.channels;
  const out = new Float32Array(rows.length * size);
  const src = images.images;
  const bytes = src instanceof Uint8Array;
  for (let k = 0; k < rows.length; k++) {
    const base = (rows[k] as number) * size;
    if (bytes) for (let j = 0; j < size; j++) out[k * size + j] = (src[base + j] as number) / 127.5 - 1;
    else out.set(src.subarray(base, base + size), k * size);
  }
  return tf.tensor4d(out, [rows.length, images.height, images.width, images.channels]);
}

/**
 * Images start … start + count − 1 as a tensor in [−1, 1].
 * @returns [count, H, W, C] (the caller disposes it)
 */
export function imageBatch(images: ImagesInput, start: number, count: number): tf.Tensor4D {
  if (images instanceof tf.Tensor) return tf.slice(images, [start, 0, 0, 0], [count, -1, -1, -1]);
  const rows = new Int32Array(count);
  for (let k = 0; k < count; k++) rows[k] = start + k;
  return imageRows(images, rows);
}
