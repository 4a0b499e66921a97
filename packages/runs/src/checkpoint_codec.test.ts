import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint_codec.js';
import { loadCheckpoint } from './checkpoint.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('checkpoint_codec (the browser-safe format, @diffflow/runs/checkpoint)', () => {
  it('uses no Node API: no node: import, no Buffer, no zlib', () => {
    const source = readFileSync(new URL('./checkpoint_codec.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.filter((m) => m !== undefined && !['fp-ts/lib/Either.js', 'io-ts', '@diffflow/cli/errors'].includes(m))).toEqual([]);
    expect(source).not.toMatch(/\bBuffer\b|\bprocess\.|zlib/);
  });

  it('encodes bytes the Node file reader decodes identically, and back', async () => {
    const ckpt = { meta: { iteration: 3, note: 'ü' }, tensors: { 'param/w': { shape: [2, 2], data: Float32Array.from([1, -2, 3.5, 1e-8]) } } };
    const bytes = encodeCheckpoint(ckpt);
    const path = join(mkdtempSync(join(tmpdir(), 'codec-')), 'c.bin');
    writeFileSync(path, bytes);
    const loaded = await loadCheckpoint(path)();
    const decoded = decodeCheckpoint(bytes, 'memory');
    expect(E.isRight(loaded) && E.isRight(decoded)).toBe(true);
    if (E.isRight(loaded) && E.isRight(decoded)) {
      expect(decoded.right).toEqual(loaded.right);
      expect(decoded.right.meta).toEqual(ckpt.meta);
      expect(Array.from(decoded.right.tensors['param/w']?.data ?? [])).toEqual(Array.from(ckpt.tensors['param/w'].data));
    }
  });

  it('names the source of a malformed file', () => {
    const bytes = encodeCheckpoint({ meta: {}, tensors: {} });
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    const r = decodeCheckpoint(bytes, 'upload.bin');
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'FileMalformed', path: 'upload.bin' });
    expect(E.isLeft(r) && r.left.reason).toMatch(/checksum mismatch/);
  });
});
