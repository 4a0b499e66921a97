/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic number
 * 0x00 0x00 <type> <rank>, then `rank` big-endian uint32 dimensions, then the elements in
 * row-major order. Only unsigned bytes (type 0x08) are read — the type of every MNIST and
 * Fashion-MNIST file. Files may be raw or gzip-compressed (detected from gzip's magic bytes).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { datasetError, hexPrefix, type DatasetError } from './errors.js';
import { maybeGunzip, readBytes } from './files.js';

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** The dimensions from the header, e.g. [60000, 28, 28]. */
  readonly dims: readonly number[];
  /** ∏ dims bytes, row-major. */
  readonly data: Uint8Array;
}

const IDX_TYPES: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Largest element count accepted (the header could otherwise claim any size). */
const MAX_ELEMENTS = 2 ** 32;

/**
 * Parses the bytes of an (uncompressed) IDX file of unsigned bytes.
 * @param path names the file in errors
 * @param rank if given, the rank the file must have (3 for images, 1 for labels)
 */
export function parseIdx(bytes: Uint8Array, path: string, rank?: number): E.Either<DatasetError, IdxArray> {
  const expectedMagic = `0x000008${rank === undefined ? 'nn' : rank.toString(16).padStart(2, '0')} (IDX of unsigned bytes${rank === undefined ? '' : `, rank ${rank}`})`;
  if (bytes.length < 4) return E.left(datasetError.truncated(path, 4, bytes.length));
  const type = bytes[2]!;
  const r = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || IDX_TYPES[type] === undefined || r === 0) {
    return E.left(datasetError.badMagic(path, expectedMagic, hexPrefix(bytes, 4)));
  }
  if (type !== 0x08) {
    return E.left(datasetError.malformed(path, `IDX element type ${IDX_TYPES[type]} (0x${type.toString(16).padStart(2, '0')}) is not supported; only unsigned bytes (0x08)`));
  }
  if (rank !== undefined && r !== rank) {
    return E.left(datasetError.badMagic(path, expectedMagic, `${hexPrefix(bytes, 4)} (rank ${r})`));
  }
  const headerBytes = 4 + 4 * r;
  if (bytes.length < headerBytes) return E.left(datasetError.truncated(path, headerBytes, bytes.length));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let k = 0; k < r; k++) {
    const d = view.getUint32(4 + 4 * k, false);
    if (d === 0 && k > 0) return E.left(datasetError.malformed(path, `dimension ${k} is 0`));
    dims.push(d);
    count *= d;
    if (count > MAX_ELEMENTS) return E.left(datasetError.malformed(path, `header dimensions ${dims.join('×')}… exceed ${MAX_ELEMENTS} elements`));
  }
  const expected = headerBytes + count;
  if (bytes.length < expected) return E.left(datasetError.truncated(path, expected, bytes.length));
  if (bytes.length > expected) {
    return E.left(datasetError.inconsistentCounts(path, `file size in bytes vs header dimensions ${dims.join('×')}`, expected, bytes.length));
  }
  return E.right({ dims, data: bytes.slice(headerBytes) });
}

/** Decompresses (if gzip) and parses IDX bytes. */
export function decodeIdx(bytes: Uint8Array, path: string, rank?: number): E.Either<DatasetError, IdxArray> {
  return pipe(
    maybeGunzip(path, bytes),
    E.chain((raw) => parseIdx(raw, path, rank)),
  );
}

/**
 * Reads an IDX file, raw or gzip.
 * @param hint how to obtain the file, for a FileNotFound error
 */
export function readIdx(path: string, hint: string, rank?: number): TE.TaskEither<DatasetError, IdxArray> {
  return pipe(
    readBytes(path, hint),
    TE.chainEitherK((bytes) => decodeIdx(bytes, path, rank)),
  );
}
