import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { encodeNpy, npyToMatrix, parseNpy, readNpyMatrix } from './npy.js';

const FIXTURES = fileURLToPath(new URL('../../../../test-data/datasets/npy/', import.meta.url));
const A = [0.5, -1, 2.25, 3, 4.5, -6];

const load = (name: string) => parseNpy(new Uint8Array(readFileSync(FIXTURES + name)), name);

describe('parseNpy', () => {
  it('reads float64 in C and Fortran order, float32 and int64 to the same row-major values', () => {
    for (const name of ['c_f8.npy', 'fortran_f8.npy', 'f4.npy']) {
      const r = load(name);
      expect(E.isRight(r) && r.right.shape).toEqual([2, 3]);
      expect(E.isRight(r) && Array.from(r.right.values)).toEqual(A);
    }
    const i8 = load('i8.npy');
    expect(E.isRight(i8) && Array.from(i8.right.values)).toEqual([1, -2, 3, 4, 5, -6]);
  });

  it('refuses big-endian data and non-matrix shapes by name', () => {
    const be = load('be_f8.npy');
    expect(E.isLeft(be) && be.left._tag === 'Malformed' && be.left.reason).toMatch(/big-endian dtype >f8/);
    const r3 = load('rank3.npy');
    const m = E.isRight(r3) ? npyToMatrix(r3.right, 'rank3.npy') : r3;
    expect(E.isLeft(m) && m.left._tag === 'Malformed' && m.left.reason).toMatch(/expected a 2-D array \[n, d\]; got shape \(2, 2, 2\)/);
  });

  it('a cut file is Truncated with the size the header implies; extra bytes are InconsistentCounts', () => {
    const bytes = new Uint8Array(readFileSync(FIXTURES + 'c_f8.npy'));
    expect(parseNpy(bytes.subarray(0, bytes.length - 5), 'c.npy')).toEqual(E.left({ _tag: 'Truncated', path: 'c.npy', expectedBytes: bytes.length, actualBytes: bytes.length - 5 }));
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    const r = parseNpy(longer, 'c.npy');
    expect(E.isLeft(r) && r.left._tag).toBe('InconsistentCounts');
    const bad = bytes.slice();
    bad[1] = 0x4f;
    expect(E.isLeft(parseNpy(bad, 'c.npy')) && (parseNpy(bad, 'c.npy') as E.Left<{ _tag: string }>).left._tag).toBe('BadMagic');
  });

  it('encodeNpy writes what parseNpy (and numpy, see the fixture script) reads back', () => {
    const data = Float32Array.from([1.5, -2, 0.25, 8]);
    const r = parseNpy(encodeNpy({ data, rows: 2, cols: 2 }), 'x');
    expect(E.isRight(r) && r.right.dtype).toBe('f4');
    expect(E.isRight(r) && Array.from(r.right.values)).toEqual([1.5, -2, 0.25, 8]);
  });

  it('readNpyMatrix: a missing file is FileNotFound', async () => {
    const r = await readNpyMatrix(FIXTURES + 'missing.npy', 'hint')();
    expect(E.isLeft(r) && r.left._tag).toBe('FileNotFound');
  });
});
