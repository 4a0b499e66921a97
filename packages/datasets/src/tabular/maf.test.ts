import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { loadMafRelease, loadNpySplits, loadTabular, preprocessPower, tabularNames, tailSplit, writeNpySplits, type TabularDataset } from './maf.js';
import type { Matrix } from './matrix.js';

const DATA = fileURLToPath(new URL('../../../../test-data/datasets/', import.meta.url));
const RELEASE = join(DATA, 'maf');
const EXPECTED = join(DATA, 'maf-expected');

async function right<A>(te: () => Promise<E.Either<unknown, A>>): Promise<A> {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected Right, got ${JSON.stringify(r.left)}`);
  return r.right;
}

/** float32 results of float64 pipelines: numpy and this code may round the last bit differently. */
function expectClose(a: Matrix, b: Matrix): void {
  expect([a.rows, a.cols]).toEqual([b.rows, b.cols]);
  for (let i = 0; i < a.data.length; i++) expect(Math.abs(a.data[i]! - b.data[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b.data[i]!)));
}

function expectSame(a: TabularDataset, b: TabularDataset): void {
  expect(a.dim).toBe(b.dim);
  expectClose(a.train, b.train);
  expectClose(a.validation, b.validation);
  expectClose(a.test, b.test);
}

describe('loadMafRelease', () => {
  // maf-expected/ holds the splits numpy computes from the same files (scripts/make_fixtures.py)
  it.each(tabularNames)('%s: the release preprocessing matches the numpy reference', async (name) => {
    const got = await right(loadMafRelease(name, RELEASE));
    const want = await right(loadNpySplits(name, EXPECTED));
    expectSame(got, want);
    expect(got.name).toBe(name);
  });

  it('POWER: 300 rows → 243 / 27 / 30 rows of 6 columns; GAS drops S1 (corr > 0.98 with S3); HEPMASS drops f5 (smallest value 6 times) and f6 (discrete), keeps f4 (5 times)', async () => {
    const power = await right(loadMafRelease('power', RELEASE));
    expect([power.train.rows, power.validation.rows, power.test.rows, power.dim]).toEqual([243, 27, 30, 6]);
    expect((await right(loadMafRelease('gas', RELEASE))).dim).toBe(5);
    expect((await right(loadMafRelease('hepmass', RELEASE))).dim).toBe(6);
  });

  it('POWER with the wrong number of columns is InconsistentCounts naming the file', () => {
    const r = preprocessPower({ data: new Float64Array(7 * 20), rows: 20, cols: 7 }, 'p.npy');
    expect(E.isLeft(r) && r.left._tag === 'InconsistentCounts' && [r.left.path, r.left.expected, r.left.actual]).toEqual(['p.npy', 8, 7]);
  });

  it('tailSplit needs 11 rows', () => {
    const m = { data: new Float64Array(10), rows: 10, cols: 1 };
    expect(E.isLeft(tailSplit(m, 'f'))).toBe(true);
    const s = tailSplit({ data: Float64Array.from({ length: 11 }, (_, i) => i), rows: 11, cols: 1 }, 'f');
    expect(E.isRight(s) && [Array.from(s.right.train.data), Array.from(s.right.validation.data), Array.from(s.right.test.data)]).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
      [9],
      [10],
    ]);
  });
});

describe('loadTabular', () => {
  it("'auto' reads the release when its files exist, else the .npy splits", async () => {
    expectSame(await right(loadTabular('miniboone', { root: RELEASE })), await right(loadTabular('miniboone', { root: EXPECTED })));
  });

  it('an unknown name is UnknownDataset listing the allowed names', async () => {
    const r = await loadTabular('powr', { root: RELEASE })();
    expect(r).toEqual(E.left({ _tag: 'UnknownDataset', name: 'powr', allowed: tabularNames }));
  });

  it('nothing found: FileNotFound listing the release files and the .npy splits, with the MAF release as the source', async () => {
    const r = await loadTabular('hepmass', { root: '/nonexistent' })();
    if (E.isRight(r) || r.left._tag !== 'FileNotFound') throw new Error('expected FileNotFound');
    expect(r.left.lookedIn).toEqual([
      '/nonexistent/hepmass/1000_train.csv',
      '/nonexistent/hepmass/1000_test.csv',
      '/nonexistent/hepmass/train.npy',
      '/nonexistent/hepmass/validation.npy',
      '/nonexistent/hepmass/test.npy',
    ]);
    expect(r.left.hint).toMatch(/MAF data release/);
    const direct = await loadTabular('power', { root: '/nonexistent', source: 'release' })();
    expect(E.isLeft(direct) && direct.left._tag === 'FileNotFound' && direct.left.path).toBe('/nonexistent/power/data.npy');
  });

  it('writeNpySplits then loadNpySplits gives the dataset back exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffflow-npy-'));
    const ds = await right(loadMafRelease('gas', RELEASE));
    await right(writeNpySplits(ds, dir));
    const back = await right(loadNpySplits('gas', dir));
    expect(back.train.data).toEqual(ds.train.data);
    expect(back.test.data).toEqual(ds.test.data);
  });
});
