import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { formatDatasetError, type ImageDataset } from '@diffflow/datasets';
import { expectNoLeaks } from '@diffflow/test-utils';
import { resolveConfig, formatError } from '../io/index.js';
import { checkImagesConfig, defaultsFor, ImagesConfig, parseIntList } from './config.js';
import { batchSource, fitImages, imageModel, loadImageSplits, seededSubset, toBytes } from './model.js';

/** A valid IDX pair (big-endian header) of n images h×w with pixel value (i + r + c) mod 256. */
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

const decode = (overrides: Record<string, unknown>) => {
  const d = resolveConfig(ImagesConfig, defaultsFor(overrides), overrides);
  return E.isLeft(d) ? d : checkImagesConfig(d.right);
};
const message = (r: E.Either<Parameters<typeof formatError>[0], unknown>): string => (E.isLeft(r) ? formatError(r.left) : 'ok');

describe('images configuration', () => {
  it('presets fill the defaults; the paper preset has the published settings', () => {
    const paper = decode({ preset: 'paper' });
    expect(E.isRight(paper)).toBe(true);
    if (E.isRight(paper)) {
      expect(paper.right.config).toMatchObject({ g: 1, T: 0.05, tMin: 1e-3, flexible: true, batch: 64, lr: 2e-4, sampleSteps: 30 });
      expect(paper.right.schedule).toEqual({ steps: [5, 10, 20, 30], switchAt: [3000, 5000, 8000] });
    }
    const cpu = decode({});
    expect(E.isRight(cpu) && cpu.right.config.preset).toBe('cpu');
  });

  it('rejects bad values with a message naming the field', () => {
    expect(message(decode({ preset: 'huge' }))).toMatch(/preset/);
    expect(message(decode({ data: 'svhn' }))).toMatch(/data/);
    expect(message(decode({ steps: '5,x' }))).toMatch(/steps/);
    expect(message(decode({ steps: '5,10', switchAt: '' }))).toMatch(/switchAt/);
    expect(message(decode({ steps: '5,10,20', switchAt: '30,20' }))).toMatch(/switchAt.*increasing/);
    expect(message(decode({ data: 'idx' }))).toMatch(/dataDir/);
    expect(message(decode({ preset: 'tiny', size: 9 }))).toMatch(/size.*divisible by 2/);
    expect(message(decode({ T: 0.0005 }))).toMatch(/T/);
    expect(message(decode({ batch: 0 }))).toMatch(/batch/);
    expect(parseIntList('5, 10 ,20')).toEqual([5, 10, 20]);
    expect(parseIntList('0,1')).toBeNull();
  });
});

describe('images data', () => {
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
  });

  it('a wrong magic number or a truncated file is the datasets error naming the file', async () => {
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

  it('batches are replayable epochs of a seeded permutation, scaled to [−1, 1], leak-free', () => {
    const n = 10;
    const images = new Uint8Array(n * 4).map((_, i) => Math.floor(i / 4) * 25);
    const ds: ImageDataset = { images, labels: new Uint8Array(n), n, height: 2, width: 2, channels: 1 };
    const a = batchSource(ds, 4, 3);
    const b = batchSource(ds, 4, 3);
    const rows = (t: tf.Tensor): number[] => {
      const v = t.dataSync();
      const count = t.shape[0] as number;
      t.dispose();
      return Array.from({ length: count }, (_, k) => Math.round(((v[k * 4] as number) + 1) * 127.5) / 25);
    };
    const first = expectNoLeaks(() => {
      const t = a(0);
      return { values: Array.from(t.dataSync()), t };
    });
    const row0 = Array.from({ length: 4 }, (_, k) => Math.round(((first.values[k * 4] as number) + 1) * 127.5) / 25);
    const epoch0 = [...row0, ...rows(a(1)), ...rows(a(2))].slice(0, 10);
    expect([...epoch0].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // one epoch = a permutation
    expect(rows(b(2))).toEqual(rows(a(2))); // replayable, also out of order
    const t = a(5);
    const v = t.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    t.dispose();
    expect(Array.from(toBytes(Float32Array.from([-1, 0, 1, 2, NaN])))).toEqual([0, 128, 255, 255, 0]);
  });

  it('evaluation subsets are seeded and mix the classes of a set grouped by class', () => {
    const n = 100;
    const labels = new Uint8Array(n).map((_, i) => Math.floor(i / 10));
    const ds: ImageDataset = { images: Uint8Array.from(labels), labels, n, height: 1, width: 1, channels: 1 };
    const a = seededSubset(ds, 20, 0, 'eval/images');
    expect(a.n).toBe(20);
    expect(new Set(a.labels).size).toBeGreaterThanOrEqual(6); // a prefix would hold 2 classes
    expect(Array.from(seededSubset(ds, 20, 0, 'eval/images').images)).toEqual(Array.from(a.images));
    expect(seededSubset(ds, 500, 0, 'x').n).toBe(100);
  });

  it('the U-Nets of the tiny preset map [B, 8, 8, 1] to itself at t ∈ [0, T], zero at initialisation', () => {
    const model = imageModel({ preset: 'tiny', size: 8, T: 0.05, g: 1, seed: 0 }, 1);
    const out = expectNoLeaks(() => {
      const y = tf.tidy(() => model.score.apply(tf.ones([2, 8, 8, 1]), 0.05));
      return { shape: y.shape, values: Array.from(y.dataSync()), y };
    });
    expect(out.shape).toEqual([2, 8, 8, 1]);
    expect(Math.max(...out.values.map(Math.abs))).toBe(0);
    expect(model.drift.parameterCount).toBe(model.score.parameterCount);
    model.drift.dispose();
    model.score.dispose();
  });
});
