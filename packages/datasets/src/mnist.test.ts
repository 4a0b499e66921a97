import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { fashionMnistCandidateDirs, idxFileNames, loadEmbeddedMnist, loadFashionMnist, loadIdxDirectory, loadIdxPair, parseMnistDigitJson } from './mnist.js';

const FIXTURES = fileURLToPath(new URL('../../../test-data/datasets/idx/', import.meta.url));

describe('loadEmbeddedMnist', () => {
  it('gives the 10,000 digits of the mnist package as exact bytes, grouped by label', async () => {
    const r = await loadEmbeddedMnist()();
    if (E.isLeft(r)) throw new Error(r.left._tag);
    const ds = r.right;
    expect([ds.n, ds.height, ds.width, ds.channels]).toEqual([10000, 28, 28, 1]);
    expect(ds.images).toHaveLength(10000 * 784);
    const counts = new Array<number>(10).fill(0);
    for (const l of ds.labels) counts[l]! += 1;
    // per-digit counts of the package's files (its README: e.g. 1009 sixes… as stored: 1014)
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    for (let i = 1; i < ds.n; i++) expect(ds.labels[i]!).toBeGreaterThanOrEqual(ds.labels[i - 1]!);
    // every stored value v is round(byte / 255, 3): the byte maps back to v exactly
    const dir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
    const seven = JSON.parse(readFileSync(join(dir, 'src', 'digits', '7.json'), 'utf8')) as { data: number[] };
    const first7 = counts.slice(0, 7).reduce((a, b) => a + b, 0);
    const back = Array.from(ds.images.subarray(first7 * 784, (first7 + 3) * 784), (b) => Math.round((b / 255) * 1000) / 1000);
    expect(back).toEqual(seven.data.slice(0, 784 * 3));
    let max = 0;
    for (const v of ds.images) max = Math.max(max, v);
    expect(max).toBe(255);
  });

  it('rejects a digit file whose values are not in [0, 1] or not a multiple of 784', () => {
    expect(E.isLeft(parseMnistDigitJson('{"data": [2]}', 'd.json'))).toBe(true);
    const r = parseMnistDigitJson(JSON.stringify({ data: new Array(785).fill(0) }), 'd.json');
    expect(E.isLeft(r) && r.left._tag).toBe('InconsistentCounts');
    expect(E.isLeft(parseMnistDigitJson('{', 'd.json'))).toBe(true);
  });
});

describe('loadIdxDirectory', () => {
  it('reads a gzip split and a raw split of MNIST-format files', async () => {
    const train = await loadIdxDirectory(FIXTURES, 'train')();
    const test = await loadIdxDirectory(FIXTURES, 'test')();
    if (E.isLeft(train) || E.isLeft(test)) throw new Error('fixtures did not load');
    expect(Array.from(train.right.labels)).toEqual([3, 1, 4, 1, 5, 9]);
    expect(Array.from(test.right.labels)).toEqual([2, 7, 1, 8]);
    expect([test.right.n, test.right.height, test.right.width, test.right.channels]).toEqual([4, 28, 28, 1]);
    expect(test.right.images[(3 * 28 + 5) * 28 + 7]).toBe((37 * 3 + 11 * 5 + 3 * 7) % 256);
  });

  it('images and labels of different lengths: InconsistentCounts naming the label file', async () => {
    const r = await loadIdxPair(join(FIXTURES, `${idxFileNames.train.images}.gz`), join(FIXTURES, idxFileNames.test.labels))();
    expect(r).toEqual(
      E.left({ _tag: 'InconsistentCounts', path: join(FIXTURES, idxFileNames.test.labels), what: `labels vs images in ${join(FIXTURES, `${idxFileNames.train.images}.gz`)}`, expected: 6, actual: 4 }),
    );
  });

  it('a directory without the files: FileNotFound listing both names', async () => {
    const r = await loadIdxDirectory('/nonexistent-dir', 'test')();
    expect(E.isLeft(r) && r.left._tag === 'FileNotFound' && r.left.lookedIn).toEqual([
      '/nonexistent-dir/t10k-images-idx3-ubyte[.gz]',
      '/nonexistent-dir/t10k-labels-idx1-ubyte[.gz]',
    ]);
  });
});

describe('loadFashionMnist', () => {
  it('reads a given directory', async () => {
    const r = await loadFashionMnist('train', FIXTURES)();
    expect(E.isRight(r) && r.right.n).toBe(6);
  });

  it('without a directory: the Debian candidates, or FileNotFound listing where it looked', async () => {
    const r = await loadFashionMnist('test')();
    const installed = fashionMnistCandidateDirs.some((d) => existsSync(join(d, 't10k-images-idx3-ubyte.gz')) || existsSync(join(d, 't10k-images-idx3-ubyte')));
    if (installed) {
      expect(E.isRight(r) && r.right.n).toBe(10000);
    } else {
      expect(E.isLeft(r) && r.left._tag === 'FileNotFound' && r.left.lookedIn).toEqual(fashionMnistCandidateDirs.map((d) => `${d}/t10k-images-idx3-ubyte[.gz]`));
      expect(E.isLeft(r) && r.left._tag === 'FileNotFound' && r.left.hint).toMatch(/dataset-fashion-mnist/);
    }
  });
});
