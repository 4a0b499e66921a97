import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { suiteTempDir } from '@diffflow/test-utils';
import { isTempFileName, tempPathFor, writeFileAtomic } from './atomic.js';

const dir = suiteTempDir('diffflow-atomic-');

describe('writeFileAtomic', () => {
  it('writes text, bytes and ArrayBuffers, replacing an existing file, and leaves no temporary file', async () => {
    const path = join(dir, 'a.txt');
    expect(await writeFileAtomic(path, 'first')()).toEqual(E.right(undefined));
    expect(await readFile(path, 'utf8')).toBe('first');
    expect(await writeFileAtomic(path, new Uint8Array([104, 105]))()).toEqual(E.right(undefined));
    expect(await readFile(path, 'utf8')).toBe('hi');
    expect(await writeFileAtomic(path, new Uint8Array([1, 2, 3]).buffer)()).toEqual(E.right(undefined));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).filter(isTempFileName)).toEqual([]);
  });

  it('names its temporary files hidden, in the same folder, recognisably', () => {
    const temp = tempPathFor('/some/where/checkpoint.bin');
    expect(dirname(temp)).toBe('/some/where');
    expect(isTempFileName(basename(temp))).toBe(true);
    expect(isTempFileName('checkpoint.bin')).toBe(false);
    expect(tempPathFor('/x/a')).not.toBe(tempPathFor('/x/a'));
  });

  it('reports a missing folder as FileMissing naming the folder', async () => {
    const path = join(dir, 'missing', 'a.txt');
    const r = await writeFileAtomic(path, 'x')();
    expect(r).toEqual(E.left({ _tag: 'FileMissing', path: join(dir, 'missing'), hint: "the folder for 'a.txt' does not exist" }));
  });

  it('on a failed rename leaves the target untouched and removes the temporary file', async () => {
    const target = join(dir, 'occupied');
    await mkdir(target);
    await writeFile(join(target, 'inside.txt'), 'keep');
    const r = await writeFileAtomic(target, 'new content')();
    expect(E.isLeft(r) && r.left._tag).toBe('IoFailed');
    expect(await readFile(join(target, 'inside.txt'), 'utf8')).toBe('keep');
    expect((await readdir(dir)).filter(isTempFileName)).toEqual([]);
  });
});
