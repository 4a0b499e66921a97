import { describe, expect, it } from 'vitest';
import { epochBatchRows } from './epoch_batches.js';
import { seededPermutation } from './split.js';

describe('epochBatchRows: batches of shuffled epochs', () => {
  const n = 10;
  const perm = (e: number): Int32Array => seededPermutation(n, 3, `epoch/${e}`);

  it('lays the epochs end to end: each epoch a permutation, a batch wrapping into the next one', () => {
    const rows = epochBatchRows(n, 4, perm);
    const seq = [0, 1, 2, 3, 4].flatMap((k) => Array.from(rows(k)));
    expect(seq).toEqual([...perm(0), ...perm(1)]);
    expect([...seq.slice(0, n)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(rows(2))).toEqual([...perm(0).slice(8), ...perm(1).slice(0, 2)]); // batch 2 spans epochs 0 and 1
  });

  it('is replayable in any order, and asks for each epoch once while it walks forward', () => {
    const asked: number[] = [];
    const a = epochBatchRows(n, 3, (e) => (asked.push(e), perm(e)));
    const forward = [0, 1, 2, 3, 4, 5, 6].map((k) => Array.from(a(k)));
    expect(asked).toEqual([0, 1, 2]);
    const b = epochBatchRows(n, 3, perm);
    expect([6, 2, 0, 5].map((k) => Array.from(b(k)))).toEqual([forward[6], forward[2], forward[0], forward[5]]);
    // a batch larger than the set spans several epochs
    expect(Array.from(epochBatchRows(n, 25, perm)(1))).toEqual([...perm(2).slice(5), ...perm(3), ...perm(4)]);
  });

  it('refuses a bad n, batch, iteration or permutation, naming it', () => {
    expect(() => epochBatchRows(0, 4, perm)).toThrow(/n must be an integer ≥ 1, got 0/);
    expect(() => epochBatchRows(n, 1.5, perm)).toThrow(/batch must be an integer ≥ 1, got 1.5/);
    expect(() => epochBatchRows(n, 4, perm)(-1)).toThrow(/iteration must be an integer ≥ 0, got -1/);
    expect(() => epochBatchRows(n, 4, () => new Int32Array(3))(0)).toThrow(/permutationOf\(0\) must hold n = 10 rows, got 3/);
  });
});
