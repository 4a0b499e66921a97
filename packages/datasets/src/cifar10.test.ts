import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { CIFAR10_RECORD_BYTES, loadCifar10, loadCifar10Batches, parseCifar10Batch } from './cifar10.js';

const FIXTURES = fileURLToPath(new URL('../../../test-data/datasets/cifar10/', import.meta.url));

/** The fixture generator's formula: record g, channel c, pixel (y, x). */
const pixel = (g: number, c: number, y: number, x: number): number => (29 * g + 71 * c + 5 * y + 3 * x) % 256;

describe('loadCifar10', () => {
  it('reads the five training batches in order, channels-last', async () => {
    const r = await loadCifar10(FIXTURES, 'train')();
    if (E.isLeft(r)) throw new Error(r.left._tag);
    const ds = r.right;
    expect([ds.n, ds.height, ds.width, ds.channels]).toEqual([10, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual(Array.from({ length: 10 }, (_, g) => (3 * g + 1) % 10));
    for (let g = 0; g < 10; g++) {
      for (const [y, x] of [[0, 0], [5, 17], [31, 31]] as const) {
        for (let c = 0; c < 3; c++) expect(ds.images[((g * 32 + y) * 32 + x) * 3 + c]).toBe(pixel(g, c, y, x));
      }
    }
  });

  it('finds the batches directly in the directory too, and reads the test batch', async () => {
    const r = await loadCifar10(join(FIXTURES, 'cifar-10-batches-bin'), 'test')();
    expect(E.isRight(r) && r.right.n).toBe(3);
  });

  it('a missing batch is FileNotFound naming both places it looked', async () => {
    const r = await loadCifar10('/nonexistent', 'test')();
    expect(E.isLeft(r) && r.left._tag === 'FileNotFound' && r.left.lookedIn).toEqual(['/nonexistent/test_batch.bin', '/nonexistent/cifar-10-batches-bin/test_batch.bin']);
    expect(E.isLeft(await loadCifar10Batches([])())).toBe(true);
  });
});

describe('parseCifar10Batch', () => {
  const record = (label: number): Uint8Array => {
    const r = new Uint8Array(CIFAR10_RECORD_BYTES);
    r[0] = label;
    return r;
  };

  it('a size that is not a whole number of records is Truncated, with the size it should have', () => {
    const two = new Uint8Array(2 * CIFAR10_RECORD_BYTES);
    expect(parseCifar10Batch(two.subarray(0, 4000), 'b.bin')).toEqual(E.left({ _tag: 'Truncated', path: 'b.bin', expectedBytes: 2 * CIFAR10_RECORD_BYTES, actualBytes: 4000 }));
    expect(parseCifar10Batch(new Uint8Array(0), 'b.bin')).toEqual(E.left({ _tag: 'Truncated', path: 'b.bin', expectedBytes: CIFAR10_RECORD_BYTES, actualBytes: 0 }));
  });

  it('a label outside 0…9 is Malformed, naming the record', () => {
    const bytes = new Uint8Array(2 * CIFAR10_RECORD_BYTES);
    bytes.set(record(3), 0);
    bytes.set(record(12), CIFAR10_RECORD_BYTES);
    const r = parseCifar10Batch(bytes, 'b.bin');
    expect(E.isLeft(r) && r.left._tag === 'Malformed' && r.left.reason).toMatch(/record 1 .* label 12/);
  });
});
