/**
 * Checkpoint files: the format of `checkpoint_codec.ts` (see there for the layout), written
 * atomically and checked on load, and the tfjs variables a checkpoint's tensors come from and
 * go to.

 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { writeFileAtomic } from './atomic.js';
import { fileMalformed, fromFsError, type ExperimentError } from '@diffflow/cli';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointTensor } from './checkpoint_codec.js';

export { CHECKPOINT_VERSION, crc32, crc32Portable, decodeCheckpoint, encodeCheckpoint } from './checkpoint_codec.js';
export type { Checkpoint, CheckpointTensor } from './checkpoint_codec.js';

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
    TE.chainEitherKW((bytes) => decodeCheckpoint(bytes, path)),
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

/** Options of assigning a checkpoint's tensors to live variables. */
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
