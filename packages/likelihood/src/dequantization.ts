import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkSampleShape, sizeOf } from './checks.js';
import { rowUniforms } from '@diffflow/sde-core';

/**
 * Uniform dequantisation of 8-bit images and the bits/dim offset that goes with it.
 *
 * A pixel value k ∈ {0, …, 255} becomes y = (k + u)/256 ∈ [0, 1) with u ~ U[0, 1), and the model
 * sees x = y ('zeroOne') or x = 2y − 1 ('minusOneOne'). Then, per image of D dims,
 *   −log₂ P(k) ≤ E_u[−log₂ p_y(y)] + 8D        (k + u has density p_y(y)/256^D on [0, 256)^D)
 *   −log₂ p_y(y) = −log₂ p_x(x) − D·log₂ a       (x = a·y + b, a = 1 or 2)
 * so bits/dim = −log p_x(x) / (D ln 2) + offset with offset = 8 − log₂ a: 8 for [0, 1], 7 for [−1, 1].
 */
export type ImageScaling = 'zeroOne' | 'minusOneOne';

/** Every {@link ImageScaling}, for validating a config value. */
export const imageScalings: readonly ImageScaling[] = ['zeroOne', 'minusOneOne'];

/** Throws unless `scaling` is one of {@link imageScalings}. */
export function checkScaling(scaling: ImageScaling, where: string): void {
  if (!imageScalings.includes(scaling)) throw new RangeError(`${where}: scaling must be 'zeroOne' or 'minusOneOne', got ${scaling}`);
}

/** The bits/dim offset 8 − log₂ a of data scaled as x = a·(k + u)/256 + b: 8 for 'zeroOne', 7 for 'minusOneOne'. */
export function bitsPerDimOffset(scaling: ImageScaling): number {
  checkScaling(scaling, 'bitsPerDimOffset');
  return scaling === 'zeroOne' ? 8 : 7;
}

/** 8-bit images: a tensor [n, ...D] of integers 0…255 (any dtype), or raw bytes with the per-image shape. */
export type ImageData = tf.Tensor | { readonly pixels: Uint8Array | Uint8ClampedArray; readonly shape: readonly number[] };

/** The pixel values (checked: integers in [0, 255]) and [n, ...D] shape of 8-bit images. */
export function readImages(images: ImageData, where: string): { readonly pixels: Float32Array; readonly shape: readonly number[] } {
  if (images instanceof tf.Tensor) {
    if (images.rank < 2 || (images.shape[0] ?? 0) < 1) {
      throw new RangeError(`${where}: images must be [n, ...D] with n ≥ 1 and at least one pixel dim, got [${images.shape.join(', ')}]`);
    }
    const values = images.dataSync();
    for (let k = 0; k < values.length; k++) {
      const v = values[k] as number;
      if (!Number.isInteger(v) || v < 0 || v > 255) {
        throw new RangeError(`${where}: images must hold 8-bit integers 0…255 (raw pixel values, not scaled), got ${v} at flat index ${k}`);
      }
    }
    return { pixels: Float32Array.from(values), shape: images.shape };
  }
  checkSampleShape(images.shape, where, 'images.shape');
  const d = sizeOf(images.shape);
  if (images.pixels.length < d || images.pixels.length % d !== 0) {
    throw new RangeError(`${where}: images.pixels must hold n ≥ 1 whole images of ${d} values each, got ${images.pixels.length} values`);
  }
  return { pixels: Float32Array.from(images.pixels), shape: [images.pixels.length / d, ...images.shape] };
}

/**
 * Dequantised, scaled images x = a·(k + u)/256 + b (a = 1, b = 0 for 'zeroOne'; a = 2, b = −1 for
 * 'minusOneOne'), u ~ U[0, 1) from the key (seed, 'dequantize', iteration = image index, step = repeat).
 * @param pixels n·D integer values 0…255, image-major  @param shape [n, ...D]
 * @param options.rows optional [start, end): only these images
 * @returns [end − start, ...D] float32
 */
export function dequantize(
  pixels: ArrayLike<number>,
  shape: readonly number[],
  options: { readonly scaling: ImageScaling; readonly seed: number; readonly repeat?: number; readonly rows?: readonly [number, number] },
): tf.Tensor {
  const where = 'dequantize';
  checkScaling(options.scaling, where);
  checkInteger(options.repeat ?? 0, where, 'repeat', 0);
  const n = shape[0] as number;
  const d = sizeOf(shape.slice(1));
  const [start, end] = options.rows ?? [0, n];
  const u = rowUniforms(options.seed, 'dequantize', [start, end], d, options.repeat ?? 0);
  const a = options.scaling === 'zeroOne' ? 1 : 2;
  const b = options.scaling === 'zeroOne' ? 0 : -1;
  const out = new Float32Array((end - start) * d);
  for (let i = 0; i < out.length; i++) out[i] = (a * ((pixels[start * d + i] as number) + (u[i] as number))) / 256 + b;
  return tf.tensor(out, [end - start, ...shape.slice(1)], 'float32');
}
