/**
 * NumPy .npy files: `\x93NUMPY`, a version (1.0, 2.0 or 3.0), the header length (uint16 for
 * version 1, uint32 after), a Python-literal header {'descr', 'fortran_order', 'shape'}, then the
 * data. The one .npy module of the workspace: the data loaders read with it and experiment runs
 * write and read their arrays with it (`@diffflow/runs` adds the file I/O). npyjs decodes the data; this module checks everything npyjs takes on trust first (magic,
 * header length, dtype, and that the file holds exactly ∏shape · itemsize data bytes), so a bad
 * file gives a typed error instead of a short or misaligned array.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { dump as npyDump, parse as npyParse } from 'npyjs';
import { datasetError, hexPrefix, type DatasetError } from '../errors.js';
import { readBytes, toArrayBuffer } from '../files.js';
import type { Matrix, Matrix64 } from './matrix.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Item sizes of the little-endian (or byte-order-free) numeric dtypes read here. */
const ITEM_SIZE: Readonly<Record<string, number>> = {
  f2: 2,
  f4: 4,
  f8: 8,
  i1: 1,
  i2: 2,
  i4: 4,
  i8: 8,
  u1: 1,
  u2: 2,
  u4: 4,
  u8: 8,
};

/** A decoded .npy array, values widened to float64, C order. */
export interface NpyArray {
  readonly shape: readonly number[];
  /** The file's dtype without byte order, e.g. 'f8'. */
  readonly dtype: string;
  readonly values: Float64Array;
}

interface NpyHeader {
  readonly dtype: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  readonly dataOffset: number;
}

function parseHeader(bytes: Uint8Array, path: string): E.Either<DatasetError, NpyHeader> {
  if (bytes.length < 10) return E.left(bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b) ? datasetError.truncated(path, 10, bytes.length) : datasetError.badMagic(path, '0x934e554d5059 (\\x93NUMPY)', hexPrefix(bytes, 6)));
  if (!MAGIC.every((b, i) => bytes[i] === b)) return E.left(datasetError.badMagic(path, '0x934e554d5059 (\\x93NUMPY)', hexPrefix(bytes, 6)));
  const major = bytes[6]!;
  if (major < 1 || major > 3) return E.left(datasetError.malformed(path, `unsupported .npy format version ${major}.${bytes[7]}`));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) return E.left(datasetError.truncated(path, prefix, bytes.length));
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefix + headerLen;
  if (bytes.length < dataOffset) return E.left(datasetError.truncated(path, dataOffset, bytes.length));
  const text = new TextDecoder('latin1').decode(bytes.subarray(prefix, dataOffset));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return E.left(datasetError.malformed(path, `.npy header lacks descr, fortran_order or shape: ${JSON.stringify(text.slice(0, 120))}`));
  }
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map((s) => (/^\d+L?$/.test(s) ? Number.parseInt(s, 10) : NaN));
  if (shape.some((d) => !Number.isSafeInteger(d))) return E.left(datasetError.malformed(path, `.npy shape (${shapeText}) is not a tuple of integers`));
  const order = descr[0];
  const dtype = order === '<' || order === '|' || order === '=' ? descr.slice(1) : descr;
  if (order === '>' && descr.slice(1) !== 'i1' && descr.slice(1) !== 'u1') {
    return E.left(datasetError.malformed(path, `big-endian dtype ${descr} is not supported; save the array little-endian (arr.astype('<f8'))`));
  }
  if (ITEM_SIZE[dtype] === undefined) return E.left(datasetError.malformed(path, `dtype ${descr} is not a supported numeric type (f2/f4/f8, i1…i8, u1…u8)`));
  return E.right({ dtype, fortranOrder: fortran === 'True', shape, dataOffset });
}

/**
 * Parses the bytes of a .npy file into float64 values in C order.
 * @param path names the file in errors
 */
export function parseNpy(bytes: Uint8Array, path: string): E.Either<DatasetError, NpyArray> {
  return pipe(
    parseHeader(bytes, path),
    E.chain((h) => {
      const count = h.shape.reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(count)) return E.left(datasetError.malformed(path, `.npy shape (${h.shape.join(', ')}) is too large`));
      const expected = h.dataOffset + count * ITEM_SIZE[h.dtype]!;
      if (bytes.length < expected) return E.left(datasetError.truncated(path, expected, bytes.length));
      if (bytes.length > expected) return E.left(datasetError.inconsistentCounts(path, `file size in bytes vs header shape (${h.shape.join(', ')})`, expected, bytes.length));
      return pipe(
        E.tryCatch(
          () => npyParse(toArrayBuffer(bytes)),
          (e) => datasetError.malformed(path, `npyjs could not decode the data (${e instanceof Error ? e.message : String(e)})`),
        ),
        E.chain((arr) => {
          const data = arr.data as unknown as ArrayLike<number | bigint>;
          if (data.length !== count) return E.left(datasetError.inconsistentCounts(path, 'decoded values vs header shape', count, data.length));
          const values = new Float64Array(count);
          for (let i = 0; i < count; i++) values[i] = Number(data[i]);
          return E.right({ shape: h.shape, dtype: h.dtype, values: h.fortranOrder ? fortranToC(values, h.shape) : values });
        }),
      );
    }),
  );
}

/** Reorders column-major values of the given shape to row-major. */
function fortranToC(values: Float64Array, shape: readonly number[]): Float64Array {
  if (shape.length < 2) return values;
  const out = new Float64Array(values.length);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < values.length; f++) {
    // f is the Fortran offset of idx; compute its C offset
    let c = 0;
    for (let k = 0; k < rank; k++) c = c * shape[k]! + idx[k]!;
    out[c] = values[f]!;
    for (let k = 0; k < rank; k++) {
      idx[k]! += 1;
      if (idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** A .npy array as a matrix: rank 2 as is, rank 1 as one column; anything else is Malformed. */
export function npyToMatrix(arr: NpyArray, path: string): E.Either<DatasetError, Matrix64> {
  if (arr.shape.length === 2) return E.right({ data: arr.values, rows: arr.shape[0]!, cols: arr.shape[1]! });
  if (arr.shape.length === 1) return E.right({ data: arr.values, rows: arr.shape[0]!, cols: 1 });
  return E.left(datasetError.malformed(path, `expected a 2-D array [n, d]; got shape (${arr.shape.join(', ')})`));
}

/** Reads a .npy file holding a 2-D array. */
export function readNpyMatrix(path: string, hint: string): TE.TaskEither<DatasetError, Matrix64> {
  return pipe(
    readBytes(path, hint),
    TE.chainEitherK((bytes) => parseNpy(bytes, path)),
    TE.chainEitherK((arr) => npyToMatrix(arr, path)),
  );
}

/** A float32 matrix as the bytes of a version-1 .npy file ('<f4', C order). */
export function encodeNpy(m: Matrix): Uint8Array {
  return encodeNpyArray(m.data, [m.rows, m.cols]);
}

/** The element types {@link encodeNpyArray} writes and {@link decodeNpyArray} returns unwidened. */
export type NpyTypedArray = Float32Array | Int32Array | Uint8Array;

/** A decoded .npy array in its own element type, C order. */
export interface NpyTypedArrayFile {
  readonly data: NpyTypedArray;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32' | 'uint8';
}

const TYPED: Readonly<Record<string, NpyTypedArrayFile['dtype']>> = { f4: 'float32', i4: 'int32', u1: 'uint8' };

/** The .npy spec pads the preamble and header to a multiple of 64 bytes. */
const HEADER_ALIGN = 64;

/**
 * The bytes of a version-1.0 .npy file holding `data` in C order with `shape` ('<f4', '<i4' or
 * '|u1'), the header padded so the data start at a multiple of 64 bytes as the spec asks.
 * Throws a RangeError when ∏shape ≠ data.length or a dimension is not an integer ≥ 0.
 */
export function encodeNpyArray(data: NpyTypedArray, shape: readonly number[]): Uint8Array {
  if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array)) {
    throw new RangeError('encodeNpyArray: data must be a Float32Array, Int32Array or Uint8Array');
  }
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new RangeError(`encodeNpyArray: shape must hold integers >= 0, got [${shape.join(', ')}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new RangeError(`encodeNpyArray: shape [${shape.join(', ')}] holds ${size} values, data has ${data.length}`);
  const raw = new Uint8Array(npyDump(data, [...shape]));
  // npyjs pads the header to 8 bytes; re-pad it to the spec's 64 (the header is ASCII).
  const headerLength = raw[8]! | (raw[9]! << 8);
  const dict = String.fromCharCode(...raw.subarray(10, 10 + headerLength)).trimEnd();
  const total = Math.ceil((10 + dict.length + 1) / HEADER_ALIGN) * HEADER_ALIGN;
  const header = `${dict}${' '.repeat(total - 10 - dict.length - 1)}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(raw.subarray(0, 8));
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(raw.subarray(10 + headerLength), total);
  return out;
}

/**
 * Parses the bytes of a .npy file (versions 1.0–3.0) holding float32, int32 or uint8 values in C
 * order into an array of that type (what {@link encodeNpyArray} writes; {@link parseNpy} reads
 * any numeric dtype widened to float64). Every problem is a `DatasetError` naming `path`.
 */
export function decodeNpyArray(bytes: Uint8Array, path: string): E.Either<DatasetError, NpyTypedArrayFile> {
  return pipe(
    parseHeader(bytes, path),
    E.chain((h) => {
      const dtype = TYPED[h.dtype];
      if (dtype === undefined) return E.left(datasetError.malformed(path, `dtype ${h.dtype} is not one of f4, i4, u1 (float32, int32, uint8); in NumPy use arr.astype('<f4')`));
      if (h.fortranOrder) return E.left(datasetError.malformed(path, 'fortran_order is True; only C order is read here (in NumPy use np.ascontiguousarray(arr))'));
      const count = h.shape.reduce((a, b) => a * b, 1);
      const expected = h.dataOffset + count * ITEM_SIZE[h.dtype]!;
      if (!Number.isSafeInteger(expected)) return E.left(datasetError.malformed(path, `.npy shape (${h.shape.join(', ')}) is too large`));
      if (bytes.length < expected) return E.left(datasetError.truncated(path, expected, bytes.length));
      if (bytes.length > expected) return E.left(datasetError.inconsistentCounts(path, `file size in bytes vs header shape (${h.shape.join(', ')})`, expected, bytes.length));
      // a copy into a fresh buffer: the data offset need not be aligned for a typed-array view
      const copy = new ArrayBuffer(expected - h.dataOffset);
      new Uint8Array(copy).set(bytes.subarray(h.dataOffset, expected));
      const data = dtype === 'float32' ? new Float32Array(copy) : dtype === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
      return E.right({ data, shape: h.shape, dtype });
    }),
  );
}
