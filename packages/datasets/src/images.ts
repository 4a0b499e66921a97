/**
 * 8-bit image datasets and their conversion to model input.
 *
 * Images stay as the 8-bit originals (needed for dequantised bits/dim); `toModelInput` resizes
 * or pads them to the model's resolution *as 8-bit images* and then maps each byte v to
 * x = v / 127.5 − 1 ∈ [−1, 1] (the reference's ToTensor + Normalize(0.5, 0.5)), channels-last
 * [n, size, size, c] to match tf.conv2d's NHWC default. The returned `bytes` are the 8-bit images
 * the model actually sees, so x and the bytes agree exactly.
 */
import { splitIndices } from './split.js';

/** n images of h × w × c bytes, channels-last, with one label byte each. */
export interface ImageDataset {
  /** [n, height, width, channels] row-major bytes. */
  readonly images: Uint8Array;
  /** [n] class labels. */
  readonly labels: Uint8Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Checks the sizes of an ImageDataset's fields agree; throws RangeError naming the field. */
export function checkImageDataset(ds: ImageDataset): ImageDataset {
  const { n, height, width, channels } = ds;
  for (const [k, v] of Object.entries({ n, height, width, channels })) {
    if (!Number.isInteger(v) || v < (k === 'n' ? 0 : 1)) throw new RangeError(`ImageDataset: ${k} must be a positive integer; got ${v}`);
  }
  if (ds.images.length !== n * height * width * channels) {
    throw new RangeError(`ImageDataset: images has ${ds.images.length} bytes, expected n·h·w·c = ${n * height * width * channels}`);
  }
  if (ds.labels.length !== n) throw new RangeError(`ImageDataset: labels has ${ds.labels.length} entries, expected n = ${n}`);
  return ds;
}

/** How an image is brought to size × size: centred zero padding (size ≥ h, w) or antialiased bilinear resizing. */
export interface ResizeOptions {
  readonly size: number;
  readonly pad: 'zero' | 'resize';
}

/**
 * Filter weights for resampling one axis from `inSize` to `outSize` pixels: a triangle filter
 * whose radius is max(1, inSize/outSize) input pixels, centred at (o + ½)·inSize/outSize —
 * bilinear with half-pixel centres when enlarging, area-like (antialiased) when shrinking.
 */
function axisWeights(inSize: number, outSize: number): { lo: Int32Array; w: Float64Array[] } {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  const lo = new Int32Array(outSize);
  const w: Float64Array[] = [];
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const a = Math.max(0, Math.floor(centre - support));
    const b = Math.min(inSize, Math.ceil(centre + support));
    const ws = new Float64Array(b - a);
    let total = 0;
    for (let i = a; i < b; i++) {
      const v = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
      ws[i - a] = v;
      total += v;
    }
    for (let i = 0; i < ws.length; i++) ws[i] = ws[i]! / total;
    lo[o] = a;
    w.push(ws);
  }
  return { lo, w };
}

/**
 * Brings every image to size × size, as bytes: centred zero padding, or antialiased bilinear
 * resampling rounded to the nearest byte.
 * @returns an ImageDataset of [n, size, size, c] bytes with the same labels
 */
export function resizeImages(ds: ImageDataset, options: ResizeOptions): ImageDataset {
  checkImageDataset(ds);
  const { size, pad } = options;
  const { n, height: h, width: w, channels: c } = ds;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`resizeImages: size must be an integer ≥ 1; got ${size}`);
  if (pad !== 'zero' && pad !== 'resize') throw new RangeError(`resizeImages: pad must be 'zero' or 'resize'; got ${String(pad)}`);
  if (size === h && size === w) return ds;
  const out = new Uint8Array(n * size * size * c);
  if (pad === 'zero') {
    if (size < h || size < w) throw new RangeError(`resizeImages: pad 'zero' needs size ≥ ${Math.max(h, w)}; got ${size}`);
    const top = (size - h) >> 1;
    const left = (size - w) >> 1;
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < h; y++) {
        const src = ((i * h + y) * w) * c;
        const dst = ((i * size + y + top) * size + left) * c;
        out.set(ds.images.subarray(src, src + w * c), dst);
      }
    }
  } else {
    const ax = axisWeights(w, size);
    const ay = axisWeights(h, size);
    const rows = new Float64Array(h * size * c); // horizontally resampled image
    for (let i = 0; i < n; i++) {
      const base = i * h * w * c;
      for (let y = 0; y < h; y++) {
        for (let ox = 0; ox < size; ox++) {
          const ws = ax.w[ox]!;
          const x0 = ax.lo[ox]!;
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let k = 0; k < ws.length; k++) s += ws[k]! * ds.images[base + (y * w + x0 + k) * c + ch]!;
            rows[(y * size + ox) * c + ch] = s;
          }
        }
      }
      for (let oy = 0; oy < size; oy++) {
        const ws = ay.w[oy]!;
        const y0 = ay.lo[oy]!;
        for (let ox = 0; ox < size; ox++) {
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let k = 0; k < ws.length; k++) s += ws[k]! * rows[((y0 + k) * size + ox) * c + ch]!;
            out[((i * size + oy) * size + ox) * c + ch] = Math.min(255, Math.max(0, Math.round(s)));
          }
        }
      }
    }
  }
  return { images: out, labels: ds.labels, n, height: size, width: size, channels: c };
}

/** Model input: the scaled images and the 8-bit images they were scaled from. */
export interface ModelImages {
  /** [n, size, size, c] row-major, x = v / 127.5 − 1 ∈ [−1, 1]. */
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** The same images as bytes, [n, size, size, c]: for dequantised likelihoods (bits/dim). */
  readonly bytes: ImageDataset;
}

/**
 * Images as model input: resize or pad to size × size (as bytes), then x = v / 127.5 − 1.
 * @param ds [n, h, w, c] bytes
 * @returns data [n, size, size, c] in [−1, 1], channels-last (NHWC), and the matching bytes
 */
export function toModelInput(ds: ImageDataset, options: ResizeOptions): ModelImages {
  const bytes = resizeImages(ds, options);
  const data = new Float32Array(bytes.images.length);
  for (let i = 0; i < data.length; i++) data[i] = bytes.images[i]! / 127.5 - 1;
  return { data, shape: [bytes.n, bytes.height, bytes.width, bytes.channels], bytes };
}

/**
 * Model output → 8-bit pixels, the inverse of {@link toModelInput}'s map: v = round((x + 1)·127.5),
 * clamped to 0…255 (NaN → 0), for PNGs and `samples.npy`.
 * @param x values in model space, about [−1, 1]
 */
export function toImageBytes(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(((x[i] as number) + 1) * 127.5);
    out[i] = Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, v));
  }
  return out;
}

/**
 * The images at the given indices, in that order.
 * @param indices [k] row indices in [0, n)
 */
export function subsetImages(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = ds.height * ds.width * ds.channels;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new RangeError(`subsetImages: index ${i} outside [0, ${ds.n})`);
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i]!;
  }
  return { images, labels, n: indices.length, height: ds.height, width: ds.width, channels: ds.channels };
}

/**
 * A deterministic train / held-out split of an image dataset (see `splitIndices`); both parts
 * keep the original order.
 * @param options.heldOut a count in [0, n] or a fraction in (0, 1)
 */
export function splitImages(
  ds: ImageDataset,
  options: { readonly heldOut: number; readonly seed: number },
): { readonly train: ImageDataset; readonly heldOut: ImageDataset } {
  const idx = splitIndices(ds.n, options);
  return { train: subsetImages(ds, idx.train), heldOut: subsetImages(ds, idx.heldOut) };
}

/** Concatenates datasets of the same image size. */
export function concatImages(parts: readonly ImageDataset[]): ImageDataset {
  const first = parts[0];
  if (first === undefined) throw new RangeError('concatImages: need at least one dataset');
  const n = parts.reduce((s, p) => s + p.n, 0);
  const images = new Uint8Array(n * first.height * first.width * first.channels);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    if (p.height !== first.height || p.width !== first.width || p.channels !== first.channels) {
      throw new RangeError(`concatImages: image sizes differ (${p.height}×${p.width}×${p.channels} vs ${first.height}×${first.width}×${first.channels})`);
    }
    images.set(p.images, at * first.height * first.width * first.channels);
    labels.set(p.labels, at);
    at += p.n;
  }
  return { images, labels, n, height: first.height, width: first.width, channels: first.channels };
}
