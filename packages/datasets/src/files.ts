/**
 * File access at the boundary: reading bytes into a TaskEither, with node's errors mapped to
 * `DatasetError`s that say where the file was looked for and how to obtain it.
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { datasetError, type DatasetError } from './errors.js';

/** Largest decompressed size accepted from a gzip file (the full CIFAR/MNIST files are far below). */
export const MAX_GUNZIP_BYTES = 2 ** 31 - 1;

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Maps a node fs error for `path` to a DatasetError. */
export function fsError(path: string, hint: string, lookedIn: readonly string[] = [path]) {
  return (e: unknown): DatasetError => {
    const code = errnoOf(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return datasetError.fileNotFound(path, lookedIn, hint);
    if (code === 'EISDIR') return datasetError.malformed(path, 'is a directory, expected a file');
    const message = e instanceof Error ? e.message : String(e);
    return datasetError.malformed(path, `cannot be read (${code ?? 'error'}: ${message})`);
  };
}

/**
 * Reads a whole file as bytes.
 * @param hint how to obtain the file, quoted in a FileNotFound error
 */
export function readBytes(path: string, hint: string): TE.TaskEither<DatasetError, Uint8Array> {
  return TE.tryCatch(async () => {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }, fsError(path, hint));
}

/** Whether a path exists (file or directory); never fails. */
export function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Gzip's two magic bytes. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes (detected by magic), or returns raw bytes unchanged. */
export function maybeGunzip(path: string, bytes: Uint8Array): E.Either<DatasetError, Uint8Array> {
  if (!isGzip(bytes)) return E.right(bytes);
  return E.tryCatch(
    () => {
      const out = gunzipSync(bytes, { maxOutputLength: MAX_GUNZIP_BYTES });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
    (e) => {
      const code = errnoOf(e);
      if (code === 'Z_BUF_ERROR') return datasetError.malformed(path, 'gzip stream ends early (truncated download?)');
      return datasetError.malformed(path, `gzip stream is corrupt (${e instanceof Error ? e.message : String(e)})`);
    },
  );
}

/** A fresh ArrayBuffer holding exactly these bytes (for parsers that want an aligned ArrayBuffer). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
