import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { parsePandasPickle } from './pandas_pickle.js';

const DATA = fileURLToPath(new URL('../../../../test-data/datasets/', import.meta.url));
const bytes = (p: string): Uint8Array => new Uint8Array(readFileSync(DATA + p));

describe('parsePandasPickle', () => {
  it('a Python 2 / pandas 0.x frame (protocol 2, str buffers, two blocks, memo, slice placement)', () => {
    const r = parsePandasPickle(bytes('maf/gas/ethylene_CO.pickle'), 'gas');
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    const f = r.right;
    expect(f.columns).toEqual(['Time', 'Meth', 'Eth', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6']);
    expect(f.rows).toBe(200);
    // Time (the int64 block, placed by slice(0, 1)) is 3 i; S3 ≈ 2 S1 by construction
    for (let i = 0; i < 200; i++) {
      expect(f.values[i * 9]).toBe(3 * i);
      expect(Math.abs(f.values[i * 9 + 5]! - 2 * f.values[i * 9 + 3]!)).toBeLessThan(0.1);
    }
  });

  it('a Python 3 frame (protocol 5, _frombuffer, Fortran block, RangeIndex)', () => {
    const r = parsePandasPickle(bytes('pickles/frame-py3.pickle'), 'py3');
    expect(r).toEqual(E.right({ columns: ['a', 'b'], rows: 3, values: Float64Array.from([1.5, 4, -2, 5.5, 3.25, -6.75]) }));
  });

  it('other pickles and other bytes give typed errors naming the file', () => {
    const list = parsePandasPickle(bytes('pickles/list.pickle'), 'list.pickle');
    expect(E.isLeft(list) && list.left._tag === 'Malformed' && list.left.reason).toMatch(/not a pandas DataFrame/);
    const junk = parsePandasPickle(new Uint8Array([1, 2, 3]), 'junk');
    expect(E.isLeft(junk) && junk.left._tag).toBe('BadMagic');
    const full = bytes('maf/gas/ethylene_CO.pickle');
    const cut = parsePandasPickle(full.subarray(0, full.length - 100), 'cut');
    expect(E.isLeft(cut) && cut.left._tag === 'Malformed' && cut.left.path).toBe('cut');
  });
});
