/**
 * Checkpoints: one self-describing binary file holding JSON metadata and named float32 tensors,
 * written atomically and checked on load.
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
import * as zlib from 'node:zlib';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { writeFileAtomic } from './atomic.js';
import { fileMalformed, fromFsError, type ExperimentError } from './errors.js';

/** One stored tensor: a shape and its values in C order (`data.length` = ∏ shape). */
export interface CheckpointTensor {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  /** Anything JSON: config, iteration, progressive stage, seed, backend, … */
  meta: Record<string, unknown>;
  /** Weights, optimizer slots, EMA, keyed by stable names such as 'drift/input.weight'. */
  tensors: Record<string, CheckpointTensor>;
}

const MAGIC = Buffer.from('DFLOWCKP', 'latin1');
export const CHECKPOINT_VERSION = 1;
const PREAMBLE = 24;
const CRC_BYTES = 4;

// ---------------------------------------------------------------------------------------------
// CRC-32

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, the zlib/PNG one) in plain TypeScript; `crc32` uses zlib's when Node has it. */
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

const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `bytes` (node:zlib's `crc32` on Node ≥ 20.15, else `crc32Portable`). */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32 !== undefined ? zlibCrc32(bytes) >>> 0 : crc32Portable(bytes);
}

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
  const header = Buffer.from(headerText, 'utf8');
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
export function decodeCheckpoint(bytes: Uint8Array, path: string): E.Either<ExperimentError, Checkpoint> {
  const bad = (reason: string) => E.left(fileMalformed(path, reason));
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
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + PREAMBLE, headerLength).toString('utf8'));
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
      // A copy into a fresh buffer (Buffer#slice would share the file's memory).
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

// ---------------------------------------------------------------------------------------------
// files

/**
 * Writes a checkpoint atomically: a temporary file in the same folder, fsynced, then renamed
 * over `path`. A crash at any point leaves the previous checkpoint at `path` intact.
 * Invalid tensors or meta are programming errors: a RangeError, thrown at once.
 */
export function saveCheckpoint(path: string, ckpt: Checkpoint): TE.TaskEither<ExperimentError, void> {
  const bytes = encodeCheckpoint(ckpt);
  return writeFileAtomic(path, bytes);
}

/** Reads a checkpoint. Missing → `FileMissing`; foreign, truncated or corrupted → `FileMalformed`. */
export function loadCheckpoint(path: string): TE.TaskEither<ExperimentError, Checkpoint> {
  return pipe(
    TE.tryCatch(
      () => readFile(path),
      (e) => fromFsError(path, e, 'no checkpoint has been saved there'),
    ),
    TE.chainEitherK((bytes) => decodeCheckpoint(bytes, path)),
  );
}

// ---------------------------------------------------------------------------------------------
// tfjs variables ↔ checkpoint tensors

/** A trainable tensor with a stable name (what networks' `parameters` hold). */
export interface NamedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
}

/** `prefix/name`, or `name` when the prefix is empty. */
export function tensorName(prefix: string, name: string): string {
  if (prefix === '') return name;
  return prefix.endsWith('/') ? `${prefix}${name}` : `${prefix}/${name}`;
}

/**
 * The current values of `params` as checkpoint tensors named `prefix/name` (copies; later
 * training does not change them). Throws a RangeError for a duplicate name or a non-float32
 * variable.
 */
export function variablesToTensors(params: readonly NamedVariable[], prefix = ''): Record<string, CheckpointTensor> {
  const out: Record<string, CheckpointTensor> = {};
  for (const p of params) {
    const name = tensorName(prefix, p.name);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new RangeError(`variablesToTensors: two parameters are named '${name}'`);
    if (p.variable.dtype !== 'float32') throw new RangeError(`variablesToTensors: '${name}' is ${p.variable.dtype}, checkpoints hold float32`);
    out[name] = { shape: [...p.variable.shape], data: Float32Array.from(p.variable.dataSync() as Float32Array) };
  }
  return out;
}

export interface AssignOptions {
  /** What errors name as the file (default 'checkpoint'); pass the checkpoint's path. */
  readonly source?: string;
  /** Accept tensors under `prefix` that no parameter takes (default false: a sign of another architecture). */
  readonly allowUnused?: boolean;
}

/**
 * Sets each variable of `params` to `record[prefix/name]`. Everything is checked first (a
 * missing name, a wrong shape, unused tensors under `prefix`) and then assigned, so on an error
 * no variable has changed. Errors are `FileMalformed` naming `options.source`.
 */
export function assignTensors(
  params: readonly NamedVariable[],
  record: Readonly<Record<string, CheckpointTensor>>,
  prefix = '',
  options: AssignOptions = {},
): E.Either<ExperimentError, void> {
  const source = options.source ?? 'checkpoint';
  const pairs: { variable: tf.Variable; tensor: CheckpointTensor }[] = [];
  const used = new Set<string>();
  for (const p of params) {
    const name = tensorName(prefix, p.name);
    const tensor = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
    if (tensor === undefined) {
      const near = Object.keys(record).filter((k) => k.startsWith(tensorName(prefix, ''))).slice(0, 5);
      return E.left(fileMalformed(source, `has no tensor '${name}'${near.length > 0 ? ` (it holds ${near.join(', ')}${near.length === 5 ? ', …' : ''})` : ''}`));
    }
    const expected = p.variable.shape;
    if (tensor.shape.length !== expected.length || tensor.shape.some((d, i) => d !== expected[i]))
      return E.left(fileMalformed(source, `tensor '${name}' has shape [${tensor.shape.join(', ')}], the model expects [${expected.join(', ')}]`));
    if (tensor.data.length !== tensor.shape.reduce((a, b) => a * b, 1))
      return E.left(fileMalformed(source, `tensor '${name}' holds ${tensor.data.length} values for shape [${tensor.shape.join(', ')}]`));
    used.add(name);
    pairs.push({ variable: p.variable, tensor });
  }
  if (options.allowUnused !== true) {
    const scope = prefix === '' ? '' : tensorName(prefix, '');
    const unused = Object.keys(record).filter((k) => k.startsWith(scope) && !used.has(k));
    if (unused.length > 0)
      return E.left(fileMalformed(source, `holds tensors the model does not have: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''}`));
  }
  for (const { variable, tensor } of pairs) tf.tidy(() => variable.assign(tf.tensor(tensor.data, tensor.shape, 'float32')));
  return E.right(undefined);
}
