import { describe, expect, it } from 'vitest';
import { checkImageDataset, concatImages, resizeImages, splitImages, subsetImages, toModelInput, type ImageDataset } from './images.js';

function dataset(n: number, h: number, w: number, c: number, f: (i: number, y: number, x: number, ch: number) => number): ImageDataset {
  const images = new Uint8Array(n * h * w * c);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) images[((i * h + y) * w + x) * c + ch] = f(i, y, x, ch);
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), n, height: h, width: w, channels: c };
}

describe('toModelInput', () => {
  it("pad 'zero': 28 → 32 centred, border −1, x = v / 127.5 − 1, channels-last", () => {
    const ds = dataset(2, 28, 28, 1, (i, y, x) => (i * 50 + y * 7 + x) % 256);
    const m = toModelInput(ds, { size: 32, pad: 'zero' });
    expect(m.shape).toEqual([2, 32, 32, 1]);
    expect(m.data).toHaveLength(2 * 32 * 32);
    expect(m.data[0]).toBe(-1);
    expect(m.data[(1 * 32 + 31) * 32 + 31]).toBe(-1);
    const v = (1 * 50 + 5 * 7 + 9) % 256;
    expect(m.data[(1 * 32 + 5 + 2) * 32 + 9 + 2]).toBeCloseTo(v / 127.5 - 1, 6);
    expect(m.bytes.images[(1 * 32 + 5 + 2) * 32 + 9 + 2]).toBe(v);
    for (let i = 0; i < m.data.length; i++) expect(m.data[i]).toBeCloseTo(m.bytes.images[i]! / 127.5 - 1, 6);
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of m.data) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it("pad 'resize': a constant image stays constant; a 2×2 block image shrinks to its block means", () => {
    const flat = toModelInput(dataset(1, 28, 28, 3, () => 200), { size: 8, pad: 'resize' });
    for (const b of flat.bytes.images) expect(b).toBe(200);
    // 8 × 8 image of 4 × 4 blocks with values 0, 60, 120, 180 → 2 × 2: each output pixel is dominated by its block
    const blocks = dataset(1, 8, 8, 1, (_, y, x) => 60 * (2 * (y >> 2) + (x >> 2)));
    const small = resizeImages(blocks, { size: 2, pad: 'resize' });
    // triangle filter of radius 4 around each block centre: weights are symmetric inside the block, so
    // the output is the block value plus a share of the neighbours; ordering is preserved
    const out = Array.from(small.images);
    expect(out[0]!).toBeLessThan(out[1]!);
    expect(out[1]!).toBeLessThan(out[2]!);
    expect(out[2]!).toBeLessThan(out[3]!);
  });

  it("pad 'resize' upsampling is bilinear with half-pixel centres: 2 → 4 of [0, 255]", () => {
    const ds = dataset(1, 1, 2, 1, (_, __, x) => (x === 0 ? 0 : 255));
    const up = resizeImages({ ...ds, height: 1, width: 2 }, { size: 4, pad: 'resize' });
    // output x-centres at 0.25, 0.75, 1.25, 1.75 input pixels: weights (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1)
    expect(Array.from(up.images.subarray(0, 4))).toEqual([0, 64, 191, 255]);
  });

  it('the same size is the identity; bad options name the argument', () => {
    const ds = dataset(1, 8, 8, 1, (_, y, x) => y * 8 + x);
    expect(toModelInput(ds, { size: 8, pad: 'zero' }).bytes.images).toEqual(ds.images);
    expect(() => toModelInput(ds, { size: 4, pad: 'zero' })).toThrow(/pad 'zero' needs size ≥ 8/);
    expect(() => toModelInput(ds, { size: 0, pad: 'resize' })).toThrow(/size must be an integer ≥ 1/);
    expect(() => checkImageDataset({ ...ds, n: 2 })).toThrow(/images has 64 bytes, expected n·h·w·c = 128/);
  });
});

describe('splits', () => {
  it('splitImages keeps each image with its label', () => {
    const ds = dataset(30, 2, 2, 1, (i) => i);
    const { train, heldOut } = splitImages(ds, { heldOut: 10, seed: 3 });
    expect(train.n + heldOut.n).toBe(30);
    for (const part of [train, heldOut]) for (let k = 0; k < part.n; k++) expect(part.labels[k]).toBe(part.images[4 * k]! % 10);
    expect(concatImages([train, heldOut]).n).toBe(30);
    expect(() => subsetImages(ds, [30])).toThrow(/index 30 outside \[0, 30\)/);
  });
});
