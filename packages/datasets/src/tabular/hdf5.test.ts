import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { readHdf5Matrices } from './hdf5.js';

const FILE = fileURLToPath(new URL('../../../../test-data/datasets/maf/BSDS300/BSDS300.hdf5', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'diffflow-h5-'));

describe('readHdf5Matrices', () => {
  it('reads the BSDS300-layout fixture: v(s, i, j) = round(1000 sin(0.37 i + 1.3 j + s)) / 1000', async () => {
    const r = await readHdf5Matrices(FILE, ['train', 'validation', 'test'], 'hint')();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    const { train, validation, test } = r.right;
    expect([train.rows, train.cols, validation.rows, test.rows]).toEqual([40, 7, 8, 10]);
    expect(test.data[3 * 7 + 4]).toBeCloseTo(Math.round(1000 * Math.sin(0.37 * 3 + 1.3 * 4 + 2)) / 1000, 6);
  });

  it('a missing dataset names the entries the file has', async () => {
    const r = await readHdf5Matrices(FILE, ['train', 'valid'], 'hint')();
    expect(E.isLeft(r) && r.left._tag === 'Malformed' && r.left.reason).toMatch(/has no dataset 'valid' \(top-level entries: test, train, validation\)/);
  });

  it('not HDF5 → BadMagic; cut short → a typed error; absent → FileNotFound', async () => {
    const junk = join(tmp, 'junk.hdf5');
    writeFileSync(junk, 'hello, not an hdf5 file at all'.repeat(40));
    const r1 = await readHdf5Matrices(junk, ['train'], 'hint')();
    expect(E.isLeft(r1) && r1.left._tag).toBe('BadMagic');
    const bytes = readFileSync(FILE);
    const cut = join(tmp, 'cut.hdf5');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r2 = await readHdf5Matrices(cut, ['train', 'validation', 'test'], 'hint')();
    expect(E.isLeft(r2) && r2.left._tag === 'Malformed' && r2.left.path).toBe(cut);
    const r3 = await readHdf5Matrices(join(tmp, 'none.hdf5'), ['train'], 'the MAF release')();
    expect(E.isLeft(r3) && r3.left._tag === 'FileNotFound' && r3.left.hint).toBe('the MAF release');
  });
});
