import type { Tensor } from '@tensorflow/tfjs-core';
import type { DiffusionModel, TimeGrid } from '@diffflow/sde-core';
import { checkInteger } from './checks.js';
import { bitsPerDimOffset, checkScaling, dequantize, readImages, type ImageData, type ImageScaling } from './dequantization.js';
import { negativeElbo } from './negative_elbo.js';
import { checkNllOptions, probabilityFlowNll, type NllOptions } from './probability_flow_nll.js';

/** Options of {@link imageBitsPerDim}: the ODE options plus how the model sees the pixels. */
export interface ImageBitsPerDimOptions extends NllOptions {
  /** How the model's data were scaled: x = (k + u)/256 ('zeroOne') or 2(k + u)/256 − 1 ('minusOneOne'). */
  readonly scaling: ImageScaling;
  /** Seed of the dequantisation noise u (and of nothing else). */
  readonly seed: number;
  /** Passes over the images with fresh dequantisation noise (and fresh Hutchinson probes), averaged. Default 1. */
  readonly repeats?: number;
}

/** What {@link imageBitsPerDim} returns: the ODE likelihood of images in bits/dim. */
export interface ImageBitsPerDimResult {
  /** Mean bits/dim over images and repeats. */
  readonly bitsPerDim: number;
  /** Bits/dim of each image, averaged over the repeats. */
  readonly perImage: Float32Array;
  /** Standard error of `bitsPerDim` over the images (NaN for one image). */
  readonly standardError: number;
  /** The offset that was added: 8 ('zeroOne') or 7 ('minusOneOne'). */
  readonly offset: number;
  /** Function evaluations, all repeats and chunks. */
  readonly nfe: number;
  readonly dim: number;
}

/**
 * Bits/dim of 8-bit images under the probability-flow ODE, dequantisation and offset built in:
 *   bpd(k) = E_u[−log p_x(x(k, u))] / (D ln 2) + (8 − log₂ a),   x = a(k + u)/256 + b,
 * an upper bound on −log₂ P(k)/D of the discrete images (see dequantization.ts).
 * @param images raw pixel values 0…255: a tensor [n, ...D] or { pixels: Uint8Array, shape: D… }
 */
export function imageBitsPerDim(model: DiffusionModel, images: ImageData, options: ImageBitsPerDimOptions): ImageBitsPerDimResult {
  const where = 'imageBitsPerDim';
  checkScaling(options.scaling, where);
  const repeats = options.repeats ?? 1;
  checkInteger(repeats, where, 'repeats', 1);
  if (!Number.isFinite(options.seed)) throw new RangeError(`${where}: seed must be a finite number, got ${options.seed}`);
  checkNllOptions(options, where);
  const { pixels, shape } = readImages(images, where);
  const n = shape[0] as number;
  const offset = bitsPerDimOffset(options.scaling);
  const sum = new Float64Array(n);
  let nfe = 0;
  let dim = 1;
  forEachDequantization(pixels, shape, options, repeats, (x, repeat) => {
    const result = probabilityFlowNll(model, x, { ...options, pass: repeat });
    dim = result.dim;
    nfe += result.nfe;
    for (let i = 0; i < n; i++) sum[i] = (sum[i] as number) + (result.nll[i] as number) / (dim * Math.LN2) + offset;
  });
  const perImage = Float32Array.from(sum, (v) => v / repeats);
  const mean = sum.reduce((a, b) => a + b, 0) / (n * repeats);
  const sd = n > 1 ? Math.sqrt(perImage.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  return { bitsPerDim: mean, perImage, standardError: sd / Math.sqrt(n), offset, nfe, dim };
}

/** Options of {@link imageNegativeElboBitsPerDim}. */
export interface ImageElboOptions {
  readonly scaling: ImageScaling;
  /** Seed of the dequantisation noise and of the forward noise (different purposes, independent draws). */
  readonly seed: number;
  /** The chain's grid t_0 … t_N. */
  readonly grid: TimeGrid;
  /** Forward-noise draws per repeat (default 1). */
  readonly draws?: number;
  /** Passes with fresh dequantisation noise (default 1). */
  readonly repeats?: number;
  readonly batchSize?: number;
}

/** What {@link imageNegativeElboBitsPerDim} returns: the negative ELBO of images in bits/dim. */
export interface ImageElboResult {
  /** Mean bound in bits/dim over images, repeats and draws. */
  readonly bitsPerDim: number;
  /** The offset that was added: 8 ('zeroOne') or 7 ('minusOneOne'). */
  readonly offset: number;
  readonly dim: number;
}

/**
 * The negative-ELBO bound in bits/dim of 8-bit images (the paper's "≤" numbers), with the same
 * dequantisation and offset as {@link imageBitsPerDim}:
 *   bpd ≤ E_u[negativeElbo(x(k, u))] / (D ln 2) + (8 − log₂ a).
 * @param images raw pixel values 0…255: a tensor [n, ...D] or { pixels: Uint8Array, shape: D… }
 */
export function imageNegativeElboBitsPerDim(model: DiffusionModel, images: ImageData, options: ImageElboOptions): ImageElboResult {
  const where = 'imageNegativeElboBitsPerDim';
  checkScaling(options.scaling, where);
  const repeats = options.repeats ?? 1;
  checkInteger(repeats, where, 'repeats', 1);
  const { pixels, shape } = readImages(images, where);
  const offset = bitsPerDimOffset(options.scaling);
  let total = 0;
  let dim = 1;
  forEachDequantization(pixels, shape, options, repeats, (x, repeat) => {
    const r = negativeElbo(model, x, options.grid, { seed: options.seed, pass: repeat, draws: options.draws, batchSize: options.batchSize });
    dim = r.dim;
    total += r.bitsPerDim + offset;
  });
  return { bitsPerDim: total / repeats, offset, dim };
}

/**
 * Runs `pass(x, repeat)` on each of `repeats` dequantisations x = a(k + u)/256 + b of the pixels
 * (fresh u per repeat, keyed by `seed`), disposing each x after its pass: the average over
 * dequantisation noise both image measures take.
 */
function forEachDequantization(
  pixels: ArrayLike<number>,
  shape: readonly number[],
  options: { readonly scaling: ImageScaling; readonly seed: number },
  repeats: number,
  pass: (x: Tensor, repeat: number) => void,
): void {
  for (let repeat = 0; repeat < repeats; repeat++) {
    const x = dequantize(pixels, shape, { scaling: options.scaling, seed: options.seed, repeat });
    try {
      pass(x, repeat);
    } finally {
      x.dispose();
    }
  }
}
