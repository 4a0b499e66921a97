import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suiteTempDir } from './temp_dir.js';

let seen = '';

describe('suiteTempDir, inside a suite', () => {
  const dir = suiteTempDir('diffflow-test-utils-');
  const other = suiteTempDir('diffflow-test-utils-');
  seen = dir;

  it('is a folder under the OS temp folder named by the prefix, there during the suite', () => {
    expect(dirname(dir)).toBe(tmpdir());
    expect(basename(dir)).toMatch(/^diffflow-test-utils-.{6}$/);
    expect(existsSync(dir)).toBe(true);
    writeFileSync(join(dir, 'a.txt'), 'a');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.txt'), 'b');
  });

  it('is a different folder for each call', () => {
    expect(other).not.toBe(dir);
    expect(existsSync(other)).toBe(true);
  });
});

describe('suiteTempDir, after its suite', () => {
  it('has been removed with everything in it', () => {
    expect(seen).not.toBe('');
    expect(existsSync(seen)).toBe(false);
  });
});
