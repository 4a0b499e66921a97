import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { decodeNpyArray, encodeNpy, encodeNpyArray, npyToMatrix, parseNpy, readNpyMatrix } from './npy.js';

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

describe('encodeNpyArray / decodeNpyArray (the typed arrays of a run: float32, int32, uint8, any shape)', () => {
  it('round-trip exactly in their own type, the data starting at a multiple of 64 bytes', () => {
    const cases = [
      { data: Float32Array.from([0.1, -0, Infinity, -3.4e38, 1.4e-45, 7]), shape: [2, 3], dtype: 'float32' },
      { data: Int32Array.from([-2147483648, 2147483647, 0]), shape: [3], dtype: 'int32' },
      { data: Uint8Array.from([0, 255, 128, 1]), shape: [1, 2, 2], dtype: 'uint8' },
      { data: new Uint8Array([7]), shape: [], dtype: 'uint8' },
    ] as const;
    for (const c of cases) {
      const bytes = encodeNpyArray(c.data, c.shape);
      expect((bytes.length - c.data.byteLength) % 64).toBe(0);
      const r = decodeNpyArray(bytes, 'x.npy');
      expect(E.isRight(r) && r.right.dtype).toBe(c.dtype);
      expect(E.isRight(r) && r.right.shape).toEqual(c.shape);
      expect(E.isRight(r) && r.right.data.constructor).toBe(c.data.constructor);
      expect(E.isRight(r) && Array.from(r.right.data)).toEqual(Array.from(c.data));
      // and parseNpy (the loaders' reader) reads the same values widened
      const wide = parseNpy(bytes, 'x.npy');
      expect(E.isRight(wide) && Array.from(wide.right.values)).toEqual(Array.from(c.data));
    }
  });

  it('refuses a shape that does not match the data (RangeError); other dtypes and Fortran order are Malformed', () => {
    expect(() => encodeNpyArray(new Float32Array(6), [4, 2])).toThrow(RangeError);
    expect(() => encodeNpyArray(new Float32Array(2), [-1, -2])).toThrow(RangeError);
    const f8 = load('c_f8.npy');
    expect(E.isRight(f8)).toBe(true);
    const r = decodeNpyArray(new Uint8Array(readFileSync(FIXTURES + 'c_f8.npy')), 'c_f8.npy');
    expect(E.isLeft(r) && r.left._tag).toBe('Malformed');
  });
});

