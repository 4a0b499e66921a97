import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { suiteTempDir } from '@diffflow/test-utils';
import { decodeNpyArray, encodeNpyArray, formatDatasetError, type NpyTypedArrayFile } from '@diffflow/datasets';
import { readNpy, writeNpy } from './npy.js';

const dir = suiteTempDir('diffflow-npy-');

const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${JSON.stringify(r.left)}`);
  return r.right;
};

/** The header dict text and the data offset of an .npy v1.0 file. */
function header(bytes: Uint8Array): { dict: string; dataStart: number } {
  const length = (bytes[8] as number) | ((bytes[9] as number) << 8);
  return { dict: Buffer.from(bytes.subarray(10, 10 + length)).toString('latin1'), dataStart: 10 + length };
}

describe('encodeNpyArray (datasets, the one .npy module) follows the .npy v1.0 format', () => {
  it('writes magic, version 1.0, a 64-aligned header dict and little-endian float32 data', () => {
    const data = new Float32Array([1, -2.5, 3, 0, Number.NaN, 1e-30]);
    const bytes = encodeNpyArray(data, [3, 2]);
    expect([...bytes.subarray(0, 6)]).toEqual([0x93, ...Buffer.from('NUMPY', 'latin1')]);
    expect([bytes[6], bytes[7]]).toEqual([1, 0]);
    const { dict, dataStart } = header(bytes);
    expect(dataStart % 64).toBe(0);
    expect(dict.endsWith('\n')).toBe(true);
    expect(dict.slice(0, -1).trimEnd()).toMatch(/^\{'descr': ?'<f4', ?'fortran_order': ?False, ?'shape': ?\(3, ?2\),? ?\}$/);
    expect(bytes.length).toBe(dataStart + 4 * 6);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getFloat32(dataStart + 4, true)).toBe(-2.5);
  });

  it('writes the dtype codes of int32 and uint8 and the tuple forms of 1-D and 0-D shapes', () => {
    expect(header(encodeNpyArray(new Int32Array([1, 2]), [2])).dict).toMatch(/'descr': ?'<i4'.*'shape': ?\(2,\)/);
    expect(header(encodeNpyArray(new Uint8Array([7]), [])).dict).toMatch(/'descr': ?'\|u1'.*'shape': ?\(\)/);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => encodeNpyArray(new Float32Array(6), [4, 2])).toThrow(RangeError);
    expect(() => encodeNpyArray(new Float32Array(2), [-1, -2])).toThrow(RangeError);
  });
});

describe('writeNpy / readNpy', () => {
  it('round-trips float32, int32 and uint8 arrays exactly', async () => {
    const cases: NpyTypedArrayFile[] = [
      { data: new Float32Array([0.1, -0, Infinity, -3.4e38, 1.4e-45, 7]), shape: [2, 3], dtype: 'float32' },
      { data: new Int32Array([-2147483648, 2147483647, 0]), shape: [3], dtype: 'int32' },
      { data: new Uint8Array([0, 255, 128, 1]), shape: [1, 2, 2], dtype: 'uint8' },
      { data: new Float32Array(0), shape: [0, 2], dtype: 'float32' },
    ];
    for (const [i, c] of cases.entries()) {
      const path = join(dir, `rt${i}.npy`);
      expect(await writeNpy(path, c.data, c.shape)()).toEqual(E.right(undefined));
      const back = ok(await readNpy(path)());
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual(c.shape);
      expect(back.data.constructor).toBe(c.data.constructor);
      expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(c.data.buffer))).toBe(true);
    }
  });

  it('reads files as NumPy writes them (spaces, trailing comma, unaligned data offset)', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    const headerText = `${dict}   \n`; // 10 + 61 = 71: the data starts at an odd offset
    const bytes = new Uint8Array(10 + headerText.length + 8);
    bytes.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0, headerText.length, 0]);
    bytes.set(Buffer.from(headerText, 'latin1'), 10);
    new DataView(bytes.buffer).setFloat32(10 + headerText.length, 1.5, true);
    new DataView(bytes.buffer).setFloat32(14 + headerText.length, -2, true);
    const r = ok(decodeNpyArray(bytes, 'x.npy'));
    expect([...r.data]).toEqual([1.5, -2]);
    expect(r.shape).toEqual([2]);
  });

  it('maps a missing file to FileMissing', async () => {
    expect(await readNpy(join(dir, 'none.npy'))()).toEqual(E.left({ _tag: 'FileMissing', path: join(dir, 'none.npy') }));
  });

  it('maps every truncation of a valid file, and foreign or unsupported headers, to the datasets package errors', async () => {
    const fileErrors = ['Truncated', 'BadMagic', 'Malformed', 'InconsistentCounts'];
    const valid = encodeNpyArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    for (let n = 0; n < valid.length; n++) {
      const r = decodeNpyArray(valid.subarray(0, n), 'cut.npy');
      expect(E.isLeft(r) && fileErrors.includes(r.left._tag), `truncated to ${n} bytes`).toBe(true);
    }
    const path = join(dir, 'cut.npy');
    await writeFile(path, valid.subarray(0, valid.length - 3));
    const cut = await readNpy(path)();
    expect(cut).toEqual(E.left({ _tag: 'Truncated', path, expectedBytes: valid.length, actualBytes: valid.length - 3 }));

    const withHeader = (dict: string) => {
      const text = `${dict}\n`;
      const bytes = new Uint8Array(10 + text.length + 8);
      bytes.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0, text.length, 0]);
      bytes.set(Buffer.from(text, 'latin1'), 10);
      return bytes;
    };
    const reasons = [
      [withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"), /dtype f8 is not one of f4, i4, u1/],
      [withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"), /big-endian dtype >f4 is not supported/],
      [withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"), /fortran_order is True/],
      [withHeader("{'descr': '<f4', 'fortran_order': False, }"), /lacks descr, fortran_order or shape/],
      [withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (a, 2), }"), /is not a tuple of integers/],
      [withHeader("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }"), /lacks descr/],
      [withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), /file size in bytes vs header shape/],
      [withHeader('not a dict'), /lacks descr/],
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 0]), /starts with 0x89504e470d0a/],
      [new Uint8Array([0x93, ...Buffer.from('NUMPY', 'latin1'), 9, 0, 0, 0]), /unsupported \.npy format version 9/],
    ] as const;
    for (const [bytes, reason] of reasons) {
      const r = decodeNpyArray(bytes, 'h.npy');
      expect(E.isLeft(r) && formatDatasetError(r.left)).toMatch(reason);
    }
  });

  it('fuzz: random bytes, and random bytes after a valid magic, give a typed error or a well-formed array', () => {
    let s = 12345;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let k = 0; k < 300; k++) {
      const bytes = Uint8Array.from({ length: 1 + (k % 97) }, rand);
      if (k % 2 === 0) bytes.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0].slice(0, bytes.length));
      const r = decodeNpyArray(bytes, 'fuzz.npy');
      if (E.isLeft(r)) expect(['Truncated', 'BadMagic', 'Malformed', 'InconsistentCounts']).toContain(r.left._tag);
      else expect(r.right.data.length).toBe(r.right.shape.reduce((a, b) => a * b, 1));
    }
  });
});

function hasNumpy(): boolean {
  try {
    // find_spec does not import numpy, so the check stays fast.
    execFileSync('python3', ['-c', "import importlib.util, sys; sys.exit(importlib.util.find_spec('numpy') is None)"], {
      stdio: 'ignore',
      timeout: 20_000,
    });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasNumpy())('NumPy interop (runs where python3 with numpy is installed)', () => {
  it('np.load reads what writeNpy wrote, and readNpy reads what np.save wrote', async () => {
    const ours = join(dir, 'ours.npy');
    const theirs = join(dir, 'theirs.npy');
    await writeNpy(ours, new Float32Array([1.5, -2, 3.25, 4, 5, 6]), [3, 2])();
    const script = [
      'import numpy as np, sys',
      'a = np.load(sys.argv[1])',
      'assert a.dtype == np.float32 and a.shape == (3, 2), (a.dtype, a.shape)',
      'assert a.tolist() == [[1.5, -2.0], [3.25, 4.0], [5.0, 6.0]], a.tolist()',
      'np.save(sys.argv[2], np.arange(12, dtype=np.int32).reshape(3, 4))',
    ].join('\n');
    execFileSync('python3', ['-c', script, ours, theirs], { timeout: 30_000 });
    const back = ok(await readNpy(theirs)());
    expect(back.dtype).toBe('int32');
    expect(back.shape).toEqual([3, 4]);
    expect([...back.data]).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});
