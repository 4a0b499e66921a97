import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { readNumericCsv } from './csv.js';

const MAF = fileURLToPath(new URL('../../../../test-data/datasets/maf/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'diffflow-csv-'));
const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('readNumericCsv', () => {
  it('reads the HEPMASS fixtures: header names and numbers; a trailing delimiter on data lines is dropped', async () => {
    const train = await readNumericCsv(join(MAF, 'hepmass', '1000_train.csv'), 'hint')();
    const test = await readNumericCsv(join(MAF, 'hepmass', '1000_test.csv'), 'hint')();
    if (E.isLeft(train) || E.isLeft(test)) throw new Error('fixture did not load');
    expect(train.right.header).toEqual(['# label', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']);
    expect([train.right.values.rows, train.right.values.cols]).toEqual([160, 9]);
    expect(test.right.header.at(-1)).toBe('mass');
    expect([test.right.values.rows, test.right.values.cols]).toEqual([60, 10]);
    expect(test.right.values.data[9]).toBe(1000);
  });

  it('a non-number names its line and column', async () => {
    const r = await readNumericCsv(file('bad.csv', 'a,b\n1,2\n3,x4\n'), 'hint')();
    expect(E.isLeft(r) && r.left._tag === 'Malformed' && r.left.reason).toBe('line 3, column 2: "x4" is not a finite number');
  });

  it('a line with the wrong number of fields is InconsistentCounts naming the line', async () => {
    const r = await readNumericCsv(file('short.csv', 'a,b,c\n1,2,3\n4,5\n'), 'hint')();
    expect(r).toEqual(E.left({ _tag: 'InconsistentCounts', path: join(tmp, 'short.csv'), what: 'fields on line 3 vs header columns', expected: 3, actual: 2 }));
  });

  it('an empty file, an unterminated quote and a missing file are typed errors', async () => {
    expect(E.isLeft(await readNumericCsv(file('empty.csv', ''), 'hint')())).toBe(true);
    const q = await readNumericCsv(file('quote.csv', 'a,b\n"1,2\n'), 'hint')();
    expect(E.isLeft(q) && q.left._tag).toBe('Malformed');
    const missing = await readNumericCsv(join(tmp, 'none.csv'), 'get it')();
    expect(E.isLeft(missing) && missing.left._tag === 'FileNotFound' && missing.left.hint).toBe('get it');
  });
});
