import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { formatDatasetError } from './errors.js';
import { fitImages, loadImageSplits, seededImages } from './image_splits.js';
import { toImageBytes, type ImageDataset } from './images.js';

/** A valid IDX pair (big-endian header) of n images h×w with pixel value (7i + p) mod 256. */
function idxFiles(dir: string, prefix: 'train' | 't10k', n: number, h: number, w: number): void {
  const img = Buffer.alloc(16 + n * h * w);
  img.writeUInt32BE(0x00000803, 0);
  img.writeUInt32BE(n, 4);
  img.writeUInt32BE(h, 8);
  img.writeUInt32BE(w, 12);
  for (let i = 0; i < n; i++) for (let p = 0; p < h * w; p++) img[16 + i * h * w + p] = (i * 7 + p) % 256;
  const lab = Buffer.alloc(8 + n);
  lab.writeUInt32BE(0x00000801, 0);
  lab.writeUInt32BE(n, 4);
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), img);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), lab);
}

describe('loadImageSplits: named image data, train and held out, at size × size', () => {
  it('loads an IDX folder, pads 6×6 to 8×8 and resizes to 4×4, held-out from the test split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'images-idx-'));
    idxFiles(dir, 'train', 12, 6, 6);
    idxFiles(dir, 't10k', 5, 6, 6);
    const r = await loadImageSplits({ data: 'idx', dataDir: dir, size: 8, fit: 'auto', heldOut: 3, seed: 0 })();
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect([r.right.train.n, r.right.train.height, r.right.heldOut.n]).toEqual([12, 8, 3]);
    // centred zero padding: row 0 is black, pixel (1, 1) is the original (0, 0) = 0·7 + 0
    expect(r.right.train.images[0]).toBe(0);
    expect(r.right.train.images[8 * 1 + 1 + 64 * 1]).toBe(7);
    const small = fitImages(r.right.train, { size: 4, fit: 'auto' });
    expect([small.height, small.width, small.n]).toEqual([4, 4, 12]);
    expect(() => fitImages(r.right.train, { size: 4, fit: 'pad' })).toThrow(/fit 'pad' needs size ≥ the images' 8×8, got 4/);
    // more held-out images than the test split has: all of them
    const all = await loadImageSplits({ data: 'idx', dataDir: dir, size: 6, fit: 'auto', heldOut: 50, seed: 0 })();
    expect(E.isRight(all) && all.right.heldOut.n).toBe(5);
  });

  it('a wrong magic number, a truncated or a missing file is the error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'images-bad-'));
    idxFiles(dir, 'train', 4, 6, 6);
    idxFiles(dir, 't10k', 4, 6, 6);
    const bad = Buffer.alloc(16 + 4 * 36);
    bad.writeUInt32BE(0x12345678, 0);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), bad);
    const magic = await loadImageSplits({ data: 'idx', dataDir: dir, size: 8, fit: 'auto', heldOut: 2, seed: 0 })();
    expect(E.isLeft(magic) && formatDatasetError(magic.left)).toMatch(/train-images-idx3-ubyte/);
    idxFiles(dir, 'train', 4, 6, 6);
    const good = Buffer.alloc(16 + 4 * 36);
    good.writeUInt32BE(0x00000803, 0);
    good.writeUInt32BE(4, 4);
    good.writeUInt32BE(6, 8);
    good.writeUInt32BE(6, 12);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), good.subarray(0, 16 + 50));
    const truncated = await loadImageSplits({ data: 'idx', dataDir: dir, size: 8, fit: 'auto', heldOut: 2, seed: 0 })();
    expect(E.isLeft(truncated) && formatDatasetError(truncated.left)).toMatch(/t10k-images-idx3-ubyte/);
    const missing = await loadImageSplits({ data: 'cifar10', dataDir: join(dir, 'nothing'), size: 32, fit: 'auto', heldOut: 2, seed: 0 })();
    expect(E.isLeft(missing) && formatDatasetError(missing.left)).toMatch(/data_batch_1/);
  });

  it('the embedded MNIST: 10k digits, the held-out ones split off by the seed', async () => {
    const r = await loadImageSplits({ data: 'mnist', dataDir: '', size: 28, fit: 'auto', heldOut: 100, seed: 0 })();
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect([r.right.train.n + r.right.heldOut.n, r.right.heldOut.n, r.right.heldOut.height]).toEqual([10_000, 100, 28]);
    const again = await loadImageSplits({ data: 'mnist', dataDir: '', size: 28, fit: 'auto', heldOut: 100, seed: 0 })();
    expect(E.isRight(again) && Array.from(again.right.heldOut.labels)).toEqual(Array.from(r.right.heldOut.labels));
  });
});

describe('seededImages and toImageBytes', () => {
  it('seeded subsets are replayable, kept in order, and mix the classes of a set grouped by class', () => {
    const n = 100;
    const labels = new Uint8Array(n).map((_, i) => Math.floor(i / 10));
    const ds: ImageDataset = { images: Uint8Array.from({ length: n }, (_, i) => i), labels, n, height: 1, width: 1, channels: 1 };
    const a = seededImages(ds, 20, 0, 'eval/images');
    expect(a.n).toBe(20);
    expect(new Set(a.labels).size).toBeGreaterThanOrEqual(6); // a prefix would hold 2 classes
    expect(Array.from(a.images)).toEqual([...a.images].sort((x, y) => x - y)); // the original order
    expect(Array.from(seededImages(ds, 20, 0, 'eval/images').images)).toEqual(Array.from(a.images));
    expect(Array.from(seededImages(ds, 20, 0, 'other').images)).not.toEqual(Array.from(a.images));
    expect(seededImages(ds, 500, 0, 'x').n).toBe(100);
  });

  it('toImageBytes inverts the model map x = v/127.5 − 1, clamped, NaN → 0', () => {
    expect(Array.from(toImageBytes(Float32Array.from([-1, 0, 1, 2, -3, NaN])))).toEqual([0, 128, 255, 255, 0, 0]);
    const v = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(toImageBytes(Float32Array.from(v, (b) => b / 127.5 - 1)))).toEqual(Array.from(v));
  });
});
