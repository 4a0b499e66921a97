/**
 * NumPy .npy files: `\x93NUMPY`, a version (1.0, 2.0 or 3.0), the header length (uint16 for
 * version 1, uint32 after), a Python-literal header {'descr', 'fortran_order', 'shape'}, then the
 * data. npyjs decodes the data; this module checks everything npyjs takes on trust first (magic,
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
  return new Uint8Array(npyDump(m.data, [m.rows, m.cols]));
}
