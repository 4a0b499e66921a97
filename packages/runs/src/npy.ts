/**
 * NumPy `.npy` files (format v1.0: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
 * so that a run's arrays open with `np.load`. Writing goes through npyjs's `dump`; reading
 * validates every byte count before touching the data, so a truncated or foreign file becomes a
 * typed error, never a crash or a silently short array.
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { dump } from 'npyjs';
import { writeFileAtomic } from './atomic.js';
import { fileMalformed, fromFsError, type ExperimentError } from './errors.js';

/** The element types this module reads and writes. */
export type NpyData = Float32Array | Int32Array | Uint8Array;

export type NpyDtype = 'float32' | 'int32' | 'uint8';

export interface NpyArray {
  readonly data: NpyData;
  readonly shape: number[];
  readonly dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** The .npy spec pads the preamble + header to a multiple of 64 bytes. */
const HEADER_ALIGN = 64;

const DESCRS: Readonly<Record<string, { dtype: NpyDtype; itemSize: number }>> = {
  '<f4': { dtype: 'float32', itemSize: 4 },
  '<i4': { dtype: 'int32', itemSize: 4 },
  '|u1': { dtype: 'uint8', itemSize: 1 },
  '<u1': { dtype: 'uint8', itemSize: 1 },
};

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new TypeError('npy: data must be a Float32Array, Int32Array or Uint8Array');
}

function checkShape(shape: readonly number[], length: number): void {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`npy: shape must hold integers >= 0, got [${shape.join(', ')}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length) throw new RangeError(`npy: shape [${shape.join(', ')}] holds ${size} values, data has ${length}`);
}

/**
 * The bytes of an .npy v1.0 file for `data` in C order with `shape` (product must equal
 * `data.length`; a RangeError otherwise). The header is padded so the data starts at a multiple
 * of 64 bytes, as the spec asks.
 */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  dtypeOf(data);
  checkShape(shape, data.length);
  const raw = new Uint8Array(dump(data, [...shape]));
  // npyjs pads the header to 8 bytes; re-pad it to the spec's 64.
  const headerLength = (raw[8] ?? 0) | ((raw[9] ?? 0) << 8);
  const dict = Buffer.from(raw.subarray(10, 10 + headerLength)).toString('latin1').trimEnd();
  const total = Math.ceil((10 + dict.length + 1) / HEADER_ALIGN) * HEADER_ALIGN;
  const header = `${dict}${' '.repeat(total - 10 - dict.length - 1)}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(raw.subarray(0, 8));
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(raw.subarray(10 + headerLength), total);
  return out;
}

interface Header {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
}

/** Parses the header dict, a Python literal like `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }`. */
function parseHeader(text: string): E.Either<string, Header> {
  const dict = text.trim();
  if (!dict.startsWith('{') || !dict.endsWith('}')) return E.left(`the header is not a Python dict: ${JSON.stringify(dict.slice(0, 60))}`);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(dict)?.[1];
  if (descr === undefined) return E.left("the header has no 'descr' string (structured dtypes are not supported)");
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(dict)?.[1];
  if (fortran === undefined) return E.left("the header has no 'fortran_order' True/False");
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (shapeText === undefined) return E.left("the header has no 'shape' tuple");
  const items = shapeText.split(',').map((s) => s.trim());
  if (items[items.length - 1] === '') items.pop();
  const shape: number[] = [];
  for (const item of items) {
    if (!/^\d+L?$/.test(item)) return E.left(`the header's shape (${shapeText}) must hold integers >= 0`);
    const d = Number(item.replace('L', ''));
    if (!Number.isSafeInteger(d)) return E.left(`the header's shape (${shapeText}) is too large`);
    shape.push(d);
  }
  return E.right({ descr, fortranOrder: fortran === 'True', shape });
}

/**
 * Reads an .npy file's bytes (versions 1.0–3.0; little-endian float32, int32 or uint8 in C
 * order). `path` only names the file in errors. Any problem → `FileMalformed` saying what.
 */
export function decodeNpy(bytes: Uint8Array, path: string): E.Either<ExperimentError, NpyArray> {
  const bad = (reason: string) => E.left(fileMalformed(path, reason));
  if (bytes.length < 10) return bad(`truncated: ${bytes.length} bytes, an .npy file starts with at least 10`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) return bad('not an .npy file (it does not start with \\x93NUMPY)');
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) return bad(`truncated: ${bytes.length} bytes, a version ${major} .npy file starts with at least 12`);
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else return bad(`.npy format version ${major}.${bytes[7] ?? 0} is not supported (1.0 to 3.0 are)`);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) return bad(`truncated inside the header (${headerLength} header bytes announced, ${bytes.length - headerStart} present)`);
  const headerText = Buffer.from(bytes.subarray(headerStart, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');
  const header = parseHeader(headerText);
  if (E.isLeft(header)) return bad(header.left);
  const { descr, fortranOrder, shape } = header.right;
  const kind = DESCRS[descr];
  if (kind === undefined)
    return bad(`dtype '${descr}' is not supported (allowed: '<f4' float32, '<i4' int32, '|u1' uint8; in NumPy use arr.astype('<f4'))`);
  if (fortranOrder) return bad('fortran_order is True; only C order is supported (in NumPy use np.ascontiguousarray(arr))');
  const size = shape.reduce((a, b) => a * b, 1);
  const expected = size * kind.itemSize;
  const present = bytes.length - dataStart;
  if (present < expected) return bad(`truncated: shape (${shape.join(', ')}) needs ${expected} data bytes, the file holds ${present}`);
  if (present > expected) return bad(`${present - expected} unexpected bytes after the data of shape (${shape.join(', ')})`);
  // Copy into a fresh buffer: the data offset need not be aligned for a typed-array view.
  const copy = new ArrayBuffer(expected);
  new Uint8Array(copy).set(bytes.subarray(dataStart, dataStart + expected));
  const data = kind.dtype === 'float32' ? new Float32Array(copy) : kind.dtype === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
  return E.right({ data, shape, dtype: kind.dtype });
}

/**
 * Writes `data` with `shape` as an .npy file, atomically (temporary file, then rename).
 * A shape that does not match the data is a programming error: a RangeError, thrown at once.
 */
export function writeNpy(path: string, data: NpyData, shape: readonly number[]): TE.TaskEither<ExperimentError, void> {
  const bytes = encodeNpy(data, shape);
  return writeFileAtomic(path, bytes);
}

/** Reads an .npy file. Missing → `FileMissing`; truncated, foreign or unsupported → `FileMalformed`. */
export function readNpy(path: string): TE.TaskEither<ExperimentError, NpyArray> {
  return pipe(
    TE.tryCatch(
      () => readFile(path),
      (e) => fromFsError(path, e),
    ),
    TE.chainEitherK((bytes) => decodeNpy(bytes, path)),
  );
}
