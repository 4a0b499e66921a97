import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { decodeIdx, parseIdx, readIdx } from './idx.js';

const FIXTURES = fileURLToPath(new URL('../../../test-data/datasets/idx/', import.meta.url));

function idx(dims: number[], fill: (i: number) => number = (i) => i % 256): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + count);
  out.set([0, 0, 8, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  for (let i = 0; i < count; i++) out[4 + 4 * dims.length + i] = fill(i);
  return out;
}

const tag = (r: E.Either<{ _tag: string }, unknown>): string => (E.isLeft(r) ? r.left._tag : 'Right');

describe('parseIdx', () => {
  it('reads dims and bytes', () => {
    const r = parseIdx(idx([2, 3, 4]), 'a');
    expect(E.isRight(r) && r.right.dims).toEqual([2, 3, 4]);
    expect(E.isRight(r) && Array.from(r.right.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('names the file and what is wrong', () => {
    const good = idx([2, 3, 4]);
    expect(parseIdx(good.subarray(0, 3), 'f')).toEqual(E.left({ _tag: 'Truncated', path: 'f', expectedBytes: 4, actualBytes: 3 }));
    const magic = good.slice();
    magic[0] = 0x1f;
    expect(tag(parseIdx(magic, 'f'))).toBe('BadMagic');
    expect(tag(parseIdx(good, 'f', 1))).toBe('BadMagic'); // rank 3 where labels (rank 1) are expected
    expect(parseIdx(good.subarray(0, 10), 'f')).toEqual(E.left({ _tag: 'Truncated', path: 'f', expectedBytes: 16, actualBytes: 10 }));
    expect(parseIdx(good.subarray(0, 30), 'f')).toEqual(E.left({ _tag: 'Truncated', path: 'f', expectedBytes: 40, actualBytes: 30 }));
    const longer = new Uint8Array(good.length + 2);
    longer.set(good);
    expect(tag(parseIdx(longer, 'f'))).toBe('InconsistentCounts');
    const float = good.slice();
    float[2] = 0x0d;
    const r = parseIdx(float, 'f');
    expect(E.isLeft(r) && r.left._tag === 'Malformed' && r.left.reason).toMatch(/float32 \(0x0d\) is not supported/);
    const big = parseIdx(new Uint8Array([0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2]), 'f');
    expect(E.isLeft(big) && big.left._tag).toBe('Malformed');
  });

  it('decodes gzip (by magic bytes) and reports a cut gzip stream', () => {
    const raw = idx([5]);
    const gz = gzipSync(raw);
    expect(decodeIdx(gz, 'g')).toEqual(parseIdx(raw, 'g'));
    const cut = decodeIdx(gz.subarray(0, gz.length - 6), 'g');
    expect(E.isLeft(cut) && cut.left._tag === 'Malformed' && cut.left.reason).toMatch(/gzip/);
  });
});

describe('readIdx', () => {
  it('reads the gzip fixture: pixel(i, y, x) = (37 i + 11 y + 3 x) mod 256', async () => {
    const r = await readIdx(`${FIXTURES}train-images-idx3-ubyte.gz`, 'hint', 3)();
    if (E.isLeft(r)) throw new Error(r.left._tag);
    expect(r.right.dims).toEqual([6, 28, 28]);
    for (let i = 0; i < 6; i++) for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(r.right.data[(i * 28 + y) * 28 + x]).toBe((37 * i + 11 * y + 3 * x) % 256);
  });

  it('a missing file is FileNotFound with the hint', async () => {
    const r = await readIdx(`${FIXTURES}nope-idx3-ubyte`, 'get it from X')();
    expect(r).toEqual(E.left({ _tag: 'FileNotFound', path: `${FIXTURES}nope-idx3-ubyte`, lookedIn: [`${FIXTURES}nope-idx3-ubyte`], hint: 'get it from X' }));
    expect(readFileSync(`${FIXTURES}t10k-labels-idx1-ubyte`).length).toBe(12);
  });
});
