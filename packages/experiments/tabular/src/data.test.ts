import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { expectNoLeaks } from '@diffflow/test-utils';
import { fitStandardizer } from '@diffflow/datasets';
import { batchSampler, loadTabularData } from './data.js';

const MAF = fileURLToPath(new URL('../../../../test-data/datasets/maf', import.meta.url));

const matrix = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), rows: rows.length, cols: rows[0]!.length });

describe('batches', () => {
  it('every epoch visits every train row once; a batch depends only on (seed, iteration)', () => {
    const n = 10;
    const m = matrix(Array.from({ length: n }, (_, i) => [i]));
    const s = { dim: 1, mean: [0], std: [1] };
    const batches = batchSampler(m, s, 7, 4);
    const seen = expectNoLeaks(() => {
      const out: number[] = [];
      for (let it = 0; it < 5; it++) {
        const b = batches(it);
        expect(b.shape).toEqual([4, 1]);
        out.push(...(b.dataSync() as Float32Array));
        b.dispose();
      }
      return out;
    });
    // 5 batches of 4 = two epochs of 10 rows
    expect([...seen.slice(0, 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...seen.slice(10, 20)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.slice(0, 10)).not.toEqual(seen.slice(10, 20));
    // replay from a fresh sampler, out of order
    const again = batchSampler(m, s, 7, 4);
    const b3 = again(3);
    expect(Array.from(b3.dataSync())).toEqual(seen.slice(12, 16));
    b3.dispose();
    const other = batchSampler(m, s, 8, 4)(0);
    expect(Array.from(other.dataSync())).not.toEqual(seen.slice(0, 4));
    other.dispose();
  });

  it('batches are standardised with the given standardiser', () => {
    const m = matrix([[4], [4]]);
    const b = batchSampler(m, { dim: 1, mean: [2], std: [4] }, 0, 2)(0);
    expect(Array.from(b.dataSync())).toEqual([0.5, 0.5]);
    b.dispose();
  });
});

describe('loadTabularData', () => {
  it('synthetic: the fixed splits and the truth', async () => {
    const r = await loadTabularData('synthetic', '/unused')();
    if (E.isLeft(r)) throw new Error('expected Right');
    expect(r.right.dataset.dim).toBe(6);
    expect([r.right.dataset.train.rows, r.right.dataset.validation.rows, r.right.dataset.test.rows]).toEqual([20_000, 2_000, 5_000]);
    expect(r.right.truth?.entropy).toBeCloseTo(9.1713, 3);
    const lp = r.right.logDensity!(r.right.dataset.test.data);
    expect(-lp.reduce((a, b) => a + b, 0) / lp.length).toBeCloseTo(r.right.truth!.testNll, 10);
  });

  it('a MAF fixture from the release files: POWER is already standardised by the loader', async () => {
    const r = await loadTabularData('power', MAF)();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(r.right.dataset.dim).toBe(6);
    const s = fitStandardizer(r.right.dataset.train);
    // the release's standardisation (train ∪ validation statistics) leaves the train split ≈ (0, 1)
    for (const v of s.mean) expect(Math.abs(v)).toBeLessThan(0.1);
    for (const v of s.std) expect(Math.abs(v - 1)).toBeLessThan(0.1);
  });

  it('a missing file is the datasets package FileNotFound naming every place looked', async () => {
    const r = await loadTabularData('gas', '/nonexistent')();
    if (E.isRight(r) || r.left._tag !== 'FileNotFound') throw new Error('expected FileNotFound');
    expect(r.left.lookedIn).toContain('/nonexistent/gas/ethylene_CO.pickle');
  });
});
