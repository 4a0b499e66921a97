/**
 * Robustness: every parser, fed random bytes, every truncation of a valid fixture (at evenly spaced
 * cut points) and random corruptions of it, returns a typed error or a fully consistent result —
 * never a throw, a hang or a partially filled array. Inputs are seeded, so a failure replays.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { uniformGenerator } from '@diffflow/sde-core';
import { CIFAR10_RECORD_BYTES, parseCifar10Batch } from './cifar10.js';
import type { DatasetError } from './errors.js';
import { decodeIdx } from './idx.js';
import { parseMnistDigitJson } from './mnist.js';
import { readNumericCsv } from './tabular/csv.js';
import { readHdf5Matrices } from './tabular/hdf5.js';
import { parseNpy } from './tabular/npy.js';
import { parsePandasPickle } from './tabular/pandas_pickle.js';

const DATA = fileURLToPath(new URL('../../../test-data/datasets/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'diffflow-fuzz-'));
const TAGS = ['FileNotFound', 'Truncated', 'BadMagic', 'InconsistentCounts', 'Malformed', 'UnknownDataset'];

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(join(DATA, p)));

function generator(name: string): () => number {
  return uniformGenerator({ seed: 20211014, purpose: `fuzz/${name}`, iteration: 0, step: 0 });
}

function randomBytes(next: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

/** Strict prefixes of `valid` at `cuts` evenly spaced lengths (always including 0 and length − 1). */
function truncations(valid: Uint8Array, cuts: number): Uint8Array[] {
  const out = new Set<number>([0, valid.length - 1]);
  for (let k = 1; k < cuts; k++) out.add(Math.floor((k * valid.length) / cuts));
  return [...out].map((n) => valid.subarray(0, n));
}

/** Copies of `valid` with 1–4 random bytes overwritten, and purely random inputs. */
function corruptions(name: string, valid: Uint8Array, count: number): Uint8Array[] {
  const next = generator(name);
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const c = valid.slice();
    const hits = 1 + Math.floor(next() * 4);
    // half the time aim at the first 256 bytes, where the headers are
    for (let h = 0; h < hits; h++) c[Math.floor(next() * (next() < 0.5 ? Math.min(256, c.length) : c.length))] = Math.floor(next() * 256);
    out.push(c);
  }
  for (let k = 0; k < count / 4; k++) out.push(randomBytes(next, Math.floor(next() * 4096)));
  return out;
}

/** Runs a sync parser; it must not throw, and a Left must be a DatasetError (checked cheaply, per input). */
function run<A>(parse: () => E.Either<DatasetError, A>): E.Either<DatasetError, A> {
  let r: E.Either<DatasetError, A>;
  try {
    r = parse();
  } catch (e) {
    throw new Error(`parser threw instead of returning a DatasetError: ${String(e)}`);
  }
  if (E.isLeft(r) && !TAGS.includes(r.left._tag)) throw new Error(`not a DatasetError: ${JSON.stringify(r.left)}`);
  return r;
}

async function runAsync<A>(parse: () => Promise<E.Either<DatasetError, A>>): Promise<E.Either<DatasetError, A>> {
  const r = await parse().catch((e: unknown) => {
    throw new Error(`parser threw instead of returning a DatasetError: ${String(e)}`);
  });
  if (E.isLeft(r) && !TAGS.includes(r.left._tag)) throw new Error(`not a DatasetError: ${JSON.stringify(r.left)}`);
  return r;
}

describe('fuzz: IDX', () => {
  const raw = fixture('idx/t10k-images-idx3-ubyte');
  const gz = fixture('idx/train-images-idx3-ubyte.gz');

  it('every truncation of a raw or gzip file is an error', () => {
    for (const t of [...truncations(raw, 200), ...truncations(gz, 200)]) expect(E.isLeft(run(() => decodeIdx(t, 'f', 3)))).toBe(true);
  });

  it('corruptions and random bytes: an error or a consistent array', () => {
    const next = generator('idx-gzip');
    const gzRandom = Array.from({ length: 50 }, () => gzipSync(randomBytes(next, 64 + Math.floor(next() * 512))));
    for (const input of [...corruptions('idx-raw', raw, 400), ...corruptions('idx-gz', gz, 100), ...gzRandom]) {
      const r = run(() => decodeIdx(input, 'f'));
      if (E.isRight(r)) expect(r.right.data.length).toBe(r.right.dims.reduce((a, b) => a * b, 1));
    }
  });
});

describe('fuzz: CIFAR-10', () => {
  const valid = fixture('cifar10/cifar-10-batches-bin/test_batch.bin');

  it('a truncation parses only at a record boundary; anything else is an error', () => {
    for (const t of truncations(valid, 300)) {
      const r = run(() => parseCifar10Batch(t, 'f'));
      expect(E.isRight(r)).toBe(t.length > 0 && t.length % CIFAR10_RECORD_BYTES === 0);
    }
  });

  it('corruptions and random bytes: an error or n whole records with labels 0…9', () => {
    for (const input of corruptions('cifar', valid, 400)) {
      const r = run(() => parseCifar10Batch(input, 'f'));
      if (E.isRight(r)) {
        expect(r.right.images.length).toBe(r.right.n * 3072);
        for (const l of r.right.labels) expect(l).toBeLessThanOrEqual(9);
      }
    }
  });
});

describe('fuzz: .npy', () => {
  it('every truncation is an error; corruptions give an error or values matching the shape', () => {
    for (const name of ['c_f8.npy', 'fortran_f8.npy', 'f4.npy', 'i8.npy']) {
      const valid = fixture(`npy/${name}`);
      for (const t of truncations(valid, valid.length)) expect(E.isLeft(run(() => parseNpy(t, name)))).toBe(true);
      for (const input of corruptions(`npy/${name}`, valid, 300)) {
        const r = run(() => parseNpy(input, name));
        if (E.isRight(r)) expect(r.right.values.length).toBe(r.right.shape.reduce((a, b) => a * b, 1));
      }
    }
  });
});

describe('fuzz: pickle', () => {
  it('every truncation is an error; corruptions give an error or a consistent frame', () => {
    for (const name of ['maf/gas/ethylene_CO.pickle', 'pickles/frame-py3.pickle']) {
      const valid = fixture(name);
      for (const t of truncations(valid, 300)) expect(E.isLeft(run(() => parsePandasPickle(t, name)))).toBe(true);
      for (const input of corruptions(name, valid, 400)) {
        const r = run(() => parsePandasPickle(input, name));
        if (E.isRight(r)) expect(r.right.values.length).toBe(r.right.rows * r.right.columns.length);
      }
    }
  });
});

describe('fuzz: mnist package JSON', () => {
  it('random and cut text is an error, never a throw', () => {
    const text = JSON.stringify({ data: Array.from({ length: 784 * 2 }, (_, i) => Math.round(((i % 256) / 255) * 1000) / 1000) });
    const next = generator('json');
    for (let k = 0; k < 100; k++) {
      const cut = text.slice(0, Math.floor(next() * text.length));
      const r = run(() => parseMnistDigitJson(cut, 'd.json'));
      expect(E.isLeft(r)).toBe(true);
    }
    for (let k = 0; k < 100; k++) run(() => parseMnistDigitJson(new TextDecoder().decode(randomBytes(next, 200)), 'd.json'));
  });
});

describe('fuzz: CSV', () => {
  it('truncations and corruptions of the HEPMASS fixture: an error or a consistent table', async () => {
    const valid = fixture('maf/hepmass/1000_test.csv');
    const inputs = [...truncations(valid, 40), ...corruptions('csv', valid, 60)];
    for (const [k, input] of inputs.entries()) {
      const path = join(tmp, `fuzz-${k}.csv`);
      writeFileSync(path, input);
      const r = await runAsync(readNumericCsv(path, 'hint'));
      if (E.isRight(r)) {
        expect(r.right.values.data.length).toBe(r.right.values.rows * r.right.header.length);
        expect(r.right.values.data.every(Number.isFinite)).toBe(true);
      }
    }
  }, 60_000);
});

describe('fuzz: HDF5', () => {
  it('truncations and corruptions of the BSDS300 fixture: an error or matrices matching their shapes', async () => {
    const valid = fixture('maf/BSDS300/BSDS300.hdf5');
    const inputs = [...truncations(valid, 30), ...corruptions('hdf5', valid, 60)];
    for (const [k, input] of inputs.entries()) {
      const path = join(tmp, `fuzz-${k}.hdf5`);
      writeFileSync(path, input);
      const r = await runAsync(readHdf5Matrices(path, ['train', 'validation', 'test'], 'hint'));
      if (E.isRight(r)) for (const m of Object.values(r.right)) expect(m.data.length).toBe(m.rows * m.cols);
    }
    // the wasm module still works after all that
    const ok = await readHdf5Matrices(join(DATA, 'maf/BSDS300/BSDS300.hdf5'), ['test'], 'hint')();
    expect(E.isRight(ok) && ok.right.test.rows).toBe(10);
  }, 60_000);
});
