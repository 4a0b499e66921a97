/**
 * Checkpoints: one self-describing binary file holding JSON metadata and named float32 tensors,
 * written atomically and checked on load.
 *
 * This module is the format alone — bytes in, bytes out, on `Uint8Array` with no Node API — so a
 * browser reads and writes the same files (`@diffflow/runs/checkpoint`); `checkpoint.ts` adds the
 * file I/O and the tfjs variables.
 *
 * Layout (all integers little-endian):
 *
 * | bytes        | content                                                              |
 * |--------------|----------------------------------------------------------------------|
 * | 0–7          | magic `DFLOWCKP`                                                     |
 * | 8–11         | format version (u32, 1)                                              |
 * | 12–15        | H, the JSON header's length in bytes (u32)                           |
 * | 16–23        | total file length in bytes (u64), so truncation is told apart        |
 * | 24 … 24+H    | JSON header `{meta, tensors: [{name, shape, offset, size}], payloadFloats}` |
 * | … (0–3)      | zero padding so the payload starts at a multiple of 4                |
 * | payload      | float32 values; tensor i at float `offset`, `size` = ∏ shape values  |
 * | last 4       | CRC-32 (IEEE) of every byte before it                                |
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { FileMalformed } from '@diffflow/cli/errors';

/** One stored tensor: a shape and its values in C order (`data.length` = ∏ shape). */
export interface CheckpointTensor {
  shape: number[];
  data: Float32Array;
}

/** A checkpoint in memory: named tensors (as typed arrays with shapes) and JSON metadata. */
export interface Checkpoint {
  /** Anything JSON: config, iteration, progressive stage, seed, backend, … */
  meta: Record<string, unknown>;
  /** Weights, optimizer slots, EMA, keyed by stable names such as 'drift/input.weight'. */
  tensors: Record<string, CheckpointTensor>;
}

const MAGIC = new TextEncoder().encode('DFLOWCKP');
/** The checkpoint format version this code writes; a reader refuses a newer one. */
export const CHECKPOINT_VERSION = 1;
const PREAMBLE = 24;
const CRC_BYTES = 4;

// ---------------------------------------------------------------------------------------------
// CRC-32

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, the one PNG and gzip use) in plain TypeScript. */
export function crc32Portable(bytes: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (table[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `bytes` (the checkpoint's checksum): {@link crc32Portable}, the same on every platform. */
export const crc32 = crc32Portable;

// ---------------------------------------------------------------------------------------------
// encoding

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The bytes of a checkpoint file. Throws a RangeError for a tensor whose data does not match its shape, or meta that is not JSON. */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const entries: { name: string; shape: number[]; offset: number; size: number }[] = [];
  let floats = 0;
  for (const [name, tensor] of Object.entries(ckpt.tensors)) {
    if (!(tensor.data instanceof Float32Array)) throw new RangeError(`checkpoint tensor '${name}': data must be a Float32Array`);
    for (const d of tensor.shape)
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`checkpoint tensor '${name}': shape must hold integers >= 0, got [${tensor.shape.join(', ')}]`);
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    if (size !== tensor.data.length)
      throw new RangeError(`checkpoint tensor '${name}': shape [${tensor.shape.join(', ')}] holds ${size} values, data has ${tensor.data.length}`);
    entries.push({ name, shape: [...tensor.shape], offset: floats, size });
    floats += size;
  }
  let headerText: string | undefined;
  try {
    headerText = JSON.stringify({ meta: ckpt.meta, tensors: entries, payloadFloats: floats });
  } catch (e) {
    throw new RangeError(`checkpoint meta must be JSON-serialisable: ${e instanceof Error ? e.message : String(e)}`);
  }
  const header = new TextEncoder().encode(headerText);
  const payloadStart = align4(PREAMBLE + header.length);
  const total = payloadStart + 4 * floats + CRC_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, header.length, true);
  view.setBigUint64(16, BigInt(total), true);
  out.set(header, PREAMBLE);
  for (const entry of entries) {
    const data = (ckpt.tensors[entry.name] as CheckpointTensor).data;
    const at = payloadStart + 4 * entry.offset;
    if (isLittleEndian) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i] as number, true);
  }
  view.setUint32(total - CRC_BYTES, crc32(out.subarray(0, total - CRC_BYTES)), true);
  return out;
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

// ---------------------------------------------------------------------------------------------
// decoding

const NonNegativeInt = new t.Type<number, number, unknown>(
  'NonNegativeInt',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
);

const HeaderCodec = t.type({
  meta: t.UnknownRecord,
  tensors: t.array(t.type({ name: t.string, shape: t.array(NonNegativeInt), offset: NonNegativeInt, size: NonNegativeInt })),
  payloadFloats: NonNegativeInt,
});

/**
 * Parses checkpoint bytes. `path` only names the file in errors. Every problem (foreign file,
 * truncation, bit flips, a header that does not add up) → `FileMalformed` saying what.
 */
export function decodeCheckpoint(bytes: Uint8Array, path: string): E.Either<FileMalformed, Checkpoint> {
  const bad = (reason: string): E.Either<FileMalformed, Checkpoint> => E.left({ _tag: 'FileMalformed', path, reason });
  const n = bytes.length;
  if (n === 0) return bad('empty file (0 bytes)');
  for (let i = 0; i < Math.min(n, MAGIC.length); i++)
    if (bytes[i] !== MAGIC[i]) return bad('not a DiffFlow checkpoint (it does not start with DFLOWCKP)');
  if (n < PREAMBLE + CRC_BYTES) return bad(`truncated: ${n} bytes, a checkpoint has at least ${PREAMBLE + CRC_BYTES}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) return bad(`format version ${version} is not supported (this build reads version ${CHECKPOINT_VERSION})`);
  const headerLength = view.getUint32(12, true);
  const total = view.getBigUint64(16, true);
  if (total > BigInt(n)) return bad(`truncated: ${n} of ${total} bytes`);
  if (total < BigInt(n)) return bad(`${BigInt(n) - total} unexpected bytes after the ${total} the file announces`);
  if (PREAMBLE + headerLength + CRC_BYTES > n) return bad(`its header length (${headerLength} bytes) does not fit in the file (${n} bytes)`);
  const stored = view.getUint32(n - CRC_BYTES, true);
  const actual = crc32(bytes.subarray(0, n - CRC_BYTES));
  if (stored !== actual) return bad(`checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is corrupted`);

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerLength)));
  } catch (e) {
    return bad(`its header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const decoded = HeaderCodec.decode(json);
  if (E.isLeft(decoded)) return bad('its header does not have the {meta, tensors: [{name, shape, offset, size}], payloadFloats} layout');
  const header = decoded.right;
  const payloadStart = align4(PREAMBLE + headerLength);
  if (payloadStart + 4 * header.payloadFloats + CRC_BYTES !== n)
    return bad(`its header announces ${header.payloadFloats} float32 values, the file holds ${(n - CRC_BYTES - payloadStart) / 4}`);

  const tensors: Record<string, CheckpointTensor> = {};
  for (const entry of header.tensors) {
    if (Object.prototype.hasOwnProperty.call(tensors, entry.name)) return bad(`tensor '${entry.name}' appears twice`);
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (size !== entry.size) return bad(`tensor '${entry.name}' has shape [${entry.shape.join(', ')}] but ${entry.size} values`);
    if (entry.offset + entry.size > header.payloadFloats) return bad(`tensor '${entry.name}' lies outside the payload`);
    const at = payloadStart + 4 * entry.offset;
    let data: Float32Array;
    if (isLittleEndian) {
      // A copy into a fresh buffer (a view would share the file's memory).
      data = new Float32Array(entry.size);
      new Uint8Array(data.buffer).set(bytes.subarray(at, at + 4 * entry.size));
    } else {
      data = new Float32Array(entry.size);
      for (let i = 0; i < entry.size; i++) data[i] = view.getFloat32(at + 4 * i, true);
    }
    Object.defineProperty(tensors, entry.name, { value: { shape: entry.shape, data }, enumerable: true, writable: true, configurable: true });
  }
  return E.right({ meta: header.meta as Record<string, unknown>, tensors });
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
