/**
 * 2-D float datasets from an HDF5 file (the MAF release's BSDS300/BSDS300.hdf5), read with h5wasm
 * (libhdf5 compiled to WebAssembly, host filesystem access under Node). HDF5's own error handler is
 * switched to h5wasm's throwing one, so a corrupt file raises an error instead of printing an error
 * stack and returning an invalid handle; the signature is checked first for a clear message.
 */
import { open } from 'node:fs/promises';
import type H5Wasm from 'h5wasm/node';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { datasetError, hexPrefix, type DatasetError } from '../errors.js';
import { fsError } from '../files.js';
import type { Matrix } from './matrix.js';

/** \x89HDF\r\n\x1a\n */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

type H5 = typeof H5Wasm;
let ready: Promise<H5> | undefined;

/** Loads h5wasm (lazily: importing this package does not start the wasm module) and makes libhdf5 errors throw. */
function h5Ready(): Promise<H5> {
  ready ??= import('h5wasm/node').then(async ({ default: h5wasm }) => {
    const module = await h5wasm.ready;
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return ready;
}

/**
 * Finds the HDF5 signature: at offset 0, or after a user block at 512, 1024, 2048, … bytes.
 * @returns Right(offset) or the BadMagic / Truncated error
 */
async function checkSignature(path: string, hint: string): Promise<E.Either<DatasetError, number>> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    return E.left(fsError(path, hint)(e));
  }
  try {
    const { size } = await handle.stat();
    if (size < SIGNATURE.length) return E.left(datasetError.truncated(path, SIGNATURE.length, size));
    const buf = new Uint8Array(SIGNATURE.length);
    let first: Uint8Array | undefined;
    for (let offset = 0; offset + SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(buf, 0, SIGNATURE.length, offset);
      first ??= buf.slice();
      if (SIGNATURE.every((b, i) => buf[i] === b)) return E.right(offset);
    }
    return E.left(datasetError.badMagic(path, '0x894844460d0a1a0a (\\x89HDF\\r\\n\\x1a\\n)', hexPrefix(first ?? buf, 8)));
  } catch (e) {
    return E.left(fsError(path, hint)(e));
  } finally {
    await handle.close();
  }
}

/**
 * Reads the named 2-D floating-point datasets of an HDF5 file.
 * @param names dataset paths inside the file, e.g. ['train', 'validation', 'test']
 * @param hint how to obtain the file, for a FileNotFound error
 * @returns each dataset as a float32 matrix [rows, cols] (float64 data are rounded to float32)
 */
export function readHdf5Matrices<K extends string>(path: string, names: readonly K[], hint: string): TE.TaskEither<DatasetError, Record<K, Matrix>> {
  return async () => {
    const sig = await checkSignature(path, hint);
    if (E.isLeft(sig)) return sig;
    let h5wasm: H5;
    try {
      h5wasm = await h5Ready();
    } catch (e) {
      return E.left(datasetError.malformed(path, `h5wasm failed to start (${e instanceof Error ? e.message : String(e)})`));
    }
    let file: InstanceType<H5['File']> | undefined;
    try {
      file = new h5wasm.File(path, 'r');
      if (file.file_id < 0n) return E.left(datasetError.malformed(path, 'libhdf5 could not open the file'));
      const out = {} as Record<K, Matrix>;
      for (const name of names) {
        const entity = file.get(name);
        if (!(entity instanceof h5wasm.Dataset)) {
          return E.left(datasetError.malformed(path, `has no dataset '${name}' (top-level entries: ${file.keys().join(', ') || 'none'})`));
        }
        const shape = entity.shape;
        if (shape === null || shape.length !== 2) return E.left(datasetError.malformed(path, `dataset '${name}' has shape (${shape?.join(', ') ?? 'scalar'}), expected [n, d]`));
        const value = entity.value;
        if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
          return E.left(datasetError.malformed(path, `dataset '${name}' has dtype ${String(entity.dtype)}, expected float32 or float64`));
        }
        const [rows, cols] = shape as [number, number];
        if (value.length !== rows * cols) return E.left(datasetError.inconsistentCounts(path, `values of dataset '${name}' vs its shape`, rows * cols, value.length));
        out[name] = { data: value instanceof Float32Array ? value : Float32Array.from(value), rows, cols };
      }
      return E.right(out);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const last = message.split('\n').map((s) => s.trim()).filter((s) => s.length > 0).slice(-2).join('; ');
      return E.left(datasetError.malformed(path, `libhdf5 could not read it (${last || 'unknown error'}); truncated or corrupt?`));
    } finally {
      try {
        file?.close();
      } catch {
        // closing a file whose open failed; nothing to release
      }
    }
  };
}
