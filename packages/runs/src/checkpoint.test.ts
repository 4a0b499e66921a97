import { readdir, writeFile } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, suiteTempDir } from '@diffflow/test-utils';
import { tempPathFor } from './atomic.js';
import {
  assignTensors,
  crc32,
  crc32Portable,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  variablesToTensors,
  type Checkpoint,
} from './checkpoint.js';
import type { ExperimentError } from '@diffflow/cli';

const dir = suiteTempDir('diffflow-ckpt-');

const ok = <A>(r: E.Either<ExperimentError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${JSON.stringify(r.left)}`);
  return r.right;
};

/** Bit patterns that must survive: NaN payloads, −0, infinities, subnormals. */
function awkwardFloats(n: number): Float32Array {
  const bits = new Uint32Array(n);
  const special = [0x7fc00001, 0xffc12345, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x007fffff, 0x3f800000];
  for (let i = 0; i < n; i++) bits[i] = special[i % special.length] as number ^ (i >= special.length ? i * 2654435761 : 0);
  return new Float32Array(bits.buffer);
}

const sample = (): Checkpoint => ({
  meta: { config: { lr: 0.01, dataset: 'checkerboard' }, iteration: 250, stage: 2, seed: 7, backend: 'wasm', note: 'ünïcödé ✓' },
  tensors: {
    'drift/input.weight': { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    'drift/input.bias': { shape: [3], data: awkwardFloats(3) },
    'adam/m/drift/input.weight': { shape: [2, 3], data: awkwardFloats(6) },
    'step': { shape: [], data: Float32Array.from([42]) },
    'empty': { shape: [0, 4], data: new Float32Array(0) },
  },
});

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function expectSameCheckpoint(a: Checkpoint, b: Checkpoint): void {
  expect(a.meta).toEqual(b.meta);
  expect(Object.keys(a.tensors)).toEqual(Object.keys(b.tensors));
  for (const [name, t] of Object.entries(b.tensors)) {
    const got = a.tensors[name];
    expect(got?.shape, name).toEqual(t.shape);
    expect(got !== undefined && sameBits(got.data, t.data), `${name} bit-identical`).toBe(true);
  }
}

describe('crc32', () => {
  it('is the IEEE CRC-32 (check value of "123456789" is 0xCBF43926), and agrees with zlib where Node has it', () => {
    const bytes = Buffer.from('123456789', 'latin1');
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32Portable(bytes)).toBe(0xcbf43926);
    const random = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    if (zlibCrc32 !== undefined) expect(crc32Portable(random)).toBe(zlibCrc32(random) >>> 0);
  });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips meta and tensors bit-identically', async () => {
    const path = join(dir, 'rt.bin');
    const ckpt = sample();
    expect(await saveCheckpoint(path, ckpt)()).toEqual(E.right(undefined));
    expectSameCheckpoint(ok(await loadCheckpoint(path)()), ckpt);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes the same bytes for the same checkpoint', () => {
    expect(Buffer.from(encodeCheckpoint(sample())).equals(Buffer.from(encodeCheckpoint(sample())))).toBe(true);
  });

  it('refuses tensors whose data does not match their shape, at the call', () => {
    expect(() => saveCheckpoint(join(dir, 'x.bin'), { meta: {}, tensors: { a: { shape: [2, 2], data: new Float32Array(3) } } })).toThrow(RangeError);
    expect(() => encodeCheckpoint({ meta: { n: 1n } as Record<string, unknown>, tensors: {} })).toThrow(/JSON/);
  });

  it('maps a missing file to FileMissing', async () => {
    const path = join(dir, 'none.bin');
    expect(await loadCheckpoint(path)()).toMatchObject(E.left({ _tag: 'FileMissing', path }));
  });

  it('maps truncation, corruption and foreign files to FileMalformed naming the file', async () => {
    const bytes = encodeCheckpoint(sample());
    const path = join(dir, 'bad.bin');
    const reasonOf = async (content: Uint8Array): Promise<string> => {
      await writeFile(path, content);
      const r = await loadCheckpoint(path)();
      if (E.isRight(r) || r.left._tag !== 'FileMalformed') throw new Error(`expected FileMalformed, got ${JSON.stringify(r)}`);
      expect(r.left.path).toBe(path);
      return r.left.reason;
    };
    expect(await reasonOf(bytes.subarray(0, bytes.length - 10))).toMatch(/^truncated: \d+ of \d+ bytes$/);
    const flipped = Uint8Array.from(bytes);
    flipped[bytes.length - 20] = (flipped[bytes.length - 20] as number) ^ 0x10;
    expect(await reasonOf(flipped)).toMatch(/checksum mismatch/);
    expect(await reasonOf(Buffer.from('{"meta": {}}'))).toMatch(/not a DiffFlow checkpoint/);
    expect(await reasonOf(new Uint8Array(0))).toMatch(/empty file/);
    const future = Uint8Array.from(bytes);
    future[8] = 2;
    expect(await reasonOf(future)).toMatch(/version 2 is not supported/);
  });
});

describe('decodeCheckpoint under fuzzing', () => {
  const small: Checkpoint = {
    meta: { iteration: 3 },
    tensors: { 'a/w': { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }, 'a/b': { shape: [2], data: Float32Array.from([5, 6]) } },
  };
  const valid = encodeCheckpoint(small);
  const expectMalformed = (bytes: Uint8Array, what: string) => {
    const r = decodeCheckpoint(bytes, 'fuzz.bin');
    expect(E.isLeft(r) && r.left._tag, what).toBe('FileMalformed');
  };

  it('rejects every truncation length with a typed error', () => {
    for (let n = 0; n < valid.length; n++) expectMalformed(valid.subarray(0, n), `truncated to ${n} of ${valid.length} bytes`);
  });

  it('rejects every single-bit flip (the checksum covers every byte)', () => {
    for (let i = 0; i < valid.length; i++)
      for (let bit = 0; bit < 8; bit++) {
        const bytes = Uint8Array.from(valid);
        bytes[i] = (bytes[i] as number) ^ (1 << bit);
        expectMalformed(bytes, `bit ${bit} of byte ${i} flipped`);
      }
  });

  it('rejects random bytes, with or without a valid preamble', () => {
    let s = 2024;
    const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) >>> 24) & 0xff;
    for (let k = 0; k < 400; k++) {
      const bytes = Uint8Array.from({ length: k % 150 }, rand);
      if (k % 2 === 1) bytes.set(valid.subarray(0, Math.min(bytes.length, 24)));
      expectMalformed(bytes, `random case ${k}`);
    }
  });

  /** A file with a valid checksum whose header JSON is `header` (what a buggy writer could produce). */
  function withHeader(header: unknown, payloadFloats: number): Uint8Array {
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const payloadStart = Math.ceil((24 + json.length) / 4) * 4;
    const total = payloadStart + 4 * payloadFloats + 4;
    const bytes = new Uint8Array(total);
    const view = new DataView(bytes.buffer);
    bytes.set(Buffer.from('DFLOWCKP', 'latin1'));
    view.setUint32(8, 1, true);
    view.setUint32(12, json.length, true);
    view.setBigUint64(16, BigInt(total), true);
    bytes.set(json, 24);
    view.setUint32(total - 4, crc32(bytes.subarray(0, total - 4)), true);
    return bytes;
  }

  it('rejects checksummed files whose header does not add up, saying what is wrong', () => {
    const t = (name: string, shape: number[], offset: number, size: number) => ({ name, shape, offset, size });
    const cases: [unknown, number, RegExp][] = [
      [{ meta: {}, tensors: [t('a', [2], 0, 2)], payloadFloats: 3 }, 2, /announces 3 float32 values, the file holds 2/],
      [{ meta: {}, tensors: [t('a', [2], 1, 2)], payloadFloats: 2 }, 2, /lies outside the payload/],
      [{ meta: {}, tensors: [t('a', [2, 2], 0, 2)], payloadFloats: 2 }, 2, /shape \[2, 2\] but 2 values/],
      [{ meta: {}, tensors: [t('a', [1], 0, 1), t('a', [1], 1, 1)], payloadFloats: 2 }, 2, /'a' appears twice/],
      [{ meta: {}, tensors: [t('a', [-2], 0, 2)], payloadFloats: 2 }, 2, /layout/],
      [{ meta: [], tensors: [], payloadFloats: 0 }, 0, /layout/],
      [{ tensors: [] }, 0, /layout/],
    ];
    for (const [header, floats, reason] of cases) {
      const r = decodeCheckpoint(withHeader(header, floats), 'h.bin');
      expect(E.isLeft(r) && r.left._tag === 'FileMalformed' && r.left.reason, JSON.stringify(header)).toMatch(reason);
    }
    const r = decodeCheckpoint(withHeader({ meta: { x: 1 }, tensors: [t('a', [2], 0, 2)], payloadFloats: 2 }, 2), 'h.bin');
    expect(E.isRight(r)).toBe(true);
  });
});

describe('a crash while saving', () => {
  it('leaves the previous checkpoint loadable, and the next save succeeds', async () => {
    const path = join(dir, 'crash.bin');
    const before = sample();
    ok(await saveCheckpoint(path, before)());
    // What a crash between writing the temporary file and the rename leaves behind.
    const next: Checkpoint = { ...before, meta: { ...before.meta, iteration: 500 } };
    const partial = encodeCheckpoint(next);
    await writeFile(tempPathFor(path), partial.subarray(0, Math.floor(partial.length / 2)));

    expectSameCheckpoint(ok(await loadCheckpoint(path)()), before);
    ok(await saveCheckpoint(path, next)());
    expect(ok(await loadCheckpoint(path)()).meta['iteration']).toBe(500);
  });
});

describe('variablesToTensors / assignTensors', () => {
  it('round-trips variables through a checkpoint by stable names, without leaking tensors', async () => {
    const make = (seed: number) => [
      { name: 'input.weight', variable: tf.variable(tf.tensor2d([[seed, 2], [3, 4], [5, 6]])) },
      { name: 'input.bias', variable: tf.variable(tf.tensor1d([seed, -seed])) },
    ];
    const a = make(1);
    const b = make(9);
    try {
      const tensors = variablesToTensors(a, 'drift');
      expect(Object.keys(tensors)).toEqual(['drift/input.weight', 'drift/input.bias']);
      expect(tensors['drift/input.weight']?.shape).toEqual([3, 2]);
      const path = join(dir, 'vars.bin');
      ok(await saveCheckpoint(path, { meta: {}, tensors })());
      const loaded = ok(await loadCheckpoint(path)());
      const assigned = expectNoLeaks(() => assignTensors(b, loaded.tensors, 'drift'));
      expect(assigned).toEqual(E.right(undefined));
      expect(Array.from(b[0]!.variable.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Array.from(b[1]!.variable.dataSync())).toEqual([1, -1]);
    } finally {
      for (const p of [...a, ...b]) p.variable.dispose();
    }
  });

  it('reports a missing name, a wrong shape or unused tensors, and then changes nothing', () => {
    const params = [
      { name: 'w', variable: tf.variable(tf.zeros([2, 2])) },
      { name: 'b', variable: tf.variable(tf.zeros([2])) },
    ];
    try {
      const good = { 'm/w': { shape: [2, 2], data: new Float32Array([1, 1, 1, 1]) }, 'm/b': { shape: [2], data: new Float32Array([1, 1]) } };
      const wrongShape = { ...good, 'm/b': { shape: [3], data: new Float32Array(3) } };
      const missing = { 'm/w': good['m/w'] };
      const extra = { ...good, 'm/extra': { shape: [1], data: new Float32Array(1) }, 'other/x': { shape: [1], data: new Float32Array(1) } };
      expect(assignTensors(params, wrongShape, 'm', { source: 'ck.bin' })).toEqual(
        E.left({ _tag: 'FileMalformed', path: 'ck.bin', reason: "tensor 'm/b' has shape [3], the model expects [2]" }),
      );
      expect(assignTensors(params, missing, 'm')).toMatchObject(E.left({ _tag: 'FileMalformed', path: 'checkpoint', reason: expect.stringContaining("has no tensor 'm/b'") }));
      expect(assignTensors(params, extra, 'm')).toMatchObject(E.left({ reason: 'holds tensors the model does not have: m/extra' }));
      expect(Array.from(params[0]!.variable.dataSync())).toEqual([0, 0, 0, 0]);
      expect(assignTensors(params, extra, 'm', { allowUnused: true })).toEqual(E.right(undefined));
      expect(Array.from(params[0]!.variable.dataSync())).toEqual([1, 1, 1, 1]);
      expect(() => variablesToTensors([params[0]!, params[0]!], 'm')).toThrow(/two parameters are named 'm\/w'/);
    } finally {
      for (const p of params) p.variable.dispose();
    }
  });
});
