import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { formatDatasetError, type DatasetError } from '@diffflow/datasets';

/**
 * The errors an experiment can meet at its boundaries (configuration, command line, files).
 * Plain data, discriminated on `_tag`; `formatError` turns each into one line for the user.
 * A data set's files fail with the datasets package's own variants ({@link DatasetError}: which
 * file, where it was looked for, how to obtain it), which are members of the same union, so a
 * command has one error vocabulary and one exit code (2) for every bad input.
 */

/** A config field (dotted path, e.g. `model.width`) holds a value outside what is allowed. */
export interface ConfigInvalid {
  readonly _tag: 'ConfigInvalid';
  /** Dotted path of the field, `--flag` for a command-line problem. */
  readonly field: string;
  /** What is allowed, and what was given, e.g. "must be an integer >= 1, got 0". */
  readonly reason: string;
  /** Where the value came from ('defaults', a config file, 'command line'), when known. */
  readonly source?: string;
}

/** A key (config key or `--flag`) that the schema does not know. */
export interface UnknownKey {
  readonly _tag: 'UnknownKey';
  readonly key: string;
  readonly allowed: readonly string[];
  /** Where the key came from, when known. */
  readonly source?: string;
  /** The command that explains every allowed key (`npx nx run toy2d:train help`), when there is one. */
  readonly help?: string;
}

/** The output folder cannot be used for this run; nothing was written. */
export interface OutputNotEmpty {
  readonly _tag: 'OutputNotEmpty';
  readonly dir: string;
  readonly reason: string;
}

/** A file the run needs does not exist. */
export interface FileMissing {
  readonly _tag: 'FileMissing';
  readonly path: string;
  readonly hint?: string;
}

/** A file exists but its content is not what it should be (truncated, corrupted, wrong format). */
export interface FileMalformed {
  readonly _tag: 'FileMalformed';
  readonly path: string;
  readonly reason: string;
}

/** The operating system refused an operation (permissions, disk full, …). */
export interface IoFailed {
  readonly _tag: 'IoFailed';
  readonly path: string;
  /** What failed; the modules of this folder store a string such as "ENOSPC: no space left on device". */
  readonly cause: unknown;
}

/** Every error a run's boundary (config, files, datasets) reports, tagged by `_tag`. */
export type ExperimentError = ConfigInvalid | UnknownKey | OutputNotEmpty | FileMissing | FileMalformed | IoFailed | DatasetError;

/** Every `_tag` of `ExperimentError`. */
export const experimentErrorTags = [
  'ConfigInvalid',
  'UnknownKey',
  'OutputNotEmpty',
  'FileMissing',
  'FileMalformed',
  'IoFailed',
  'FileNotFound',
  'Truncated',
  'BadMagic',
  'InconsistentCounts',
  'Malformed',
  'UnknownDataset',
] as const satisfies readonly ExperimentError['_tag'][];

// ---------------------------------------------------------------------------------------------
// constructors

export const configInvalid = (field: string, reason: string, source?: string): ExperimentError =>
  source === undefined ? { _tag: 'ConfigInvalid', field, reason } : { _tag: 'ConfigInvalid', field, reason, source };

export const unknownKey = (key: string, allowed: readonly string[], source?: string): ExperimentError =>
  source === undefined ? { _tag: 'UnknownKey', key, allowed } : { _tag: 'UnknownKey', key, allowed, source };

export const outputNotEmpty = (dir: string, reason: string): ExperimentError => ({ _tag: 'OutputNotEmpty', dir, reason });

export const fileMissing = (path: string, hint?: string): ExperimentError =>
  hint === undefined ? { _tag: 'FileMissing', path } : { _tag: 'FileMissing', path, hint };

export const fileMalformed = (path: string, reason: string): ExperimentError => ({ _tag: 'FileMalformed', path, reason });

export const ioFailed = (path: string, cause: unknown): ExperimentError => ({ _tag: 'IoFailed', path, cause });

/**
 * Maps an error thrown by `node:fs` on `path` to a typed error: ENOENT → `FileMissing`,
 * anything else → `IoFailed` with the error code and message as its cause.
 */
export function fromFsError(path: string, e: unknown, hint?: string): ExperimentError {
  if (errnoCode(e) === 'ENOENT') return fileMissing(path, hint);
  return ioFailed(path, describeCause(e));
}

/** The `code` of a Node system error ('ENOENT', 'EACCES', …), if it has one. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A one-line description of anything thrown. */
export function describeCause(e: unknown): string {
  if (e instanceof Error) {
    const code = errnoCode(e);
    const msg = e.message.split('\n')[0] ?? '';
    return code !== undefined && !msg.startsWith(code) ? `${code}: ${msg}` : msg;
  }
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

// ---------------------------------------------------------------------------------------------
// formatting

/** One line naming the field or file, what went wrong and what is allowed. */
export function formatError(e: ExperimentError): string {
  switch (e._tag) {
    case 'ConfigInvalid':
      return `${describeField(e.field)}${fromSource(e.source)}: ${e.reason}`;
    case 'UnknownKey': {
      const suggestion = closest(e.key, e.allowed);
      const hint = suggestion !== undefined ? `; did you mean '${suggestion}'?` : '';
      const allowed = e.allowed.length > 0 ? ` (allowed: ${e.allowed.join(', ')})` : ' (none allowed here)';
      const what = e.key.startsWith('-') ? 'option' : 'config key';
      return `unknown ${what} '${e.key}'${fromSource(e.source)}${hint}${allowed}${e.help === undefined ? '' : `; every ${what} explained: ${e.help}`}`;
    }
    case 'OutputNotEmpty':
      return `output folder '${e.dir}' cannot be used: ${e.reason}`;
    case 'FileMissing':
      return `file not found: '${e.path}'${e.hint !== undefined ? ` (${e.hint})` : ''}`;
    case 'FileMalformed':
      return `file '${e.path}' is malformed: ${e.reason}`;
    case 'IoFailed':
      return `could not read or write '${e.path}': ${describeCause(e.cause)}`;
    case 'FileNotFound':
    case 'Truncated':
    case 'BadMagic':
    case 'InconsistentCounts':
    case 'Malformed':
    case 'UnknownDataset':
      return formatDatasetError(e);
    default:
      return absurd(e);
  }
}

function describeField(field: string): string {
  if (field === '(command line)') return 'command line';
  return field.startsWith('-') ? `option '${field}'` : `config field '${field}'`;
}

function fromSource(source: string | undefined): string {
  return source === undefined ? '' : ` (from ${source})`;
}

function absurd(e: never): never {
  throw new TypeError(`unexpected error value ${JSON.stringify(e)}`);
}

/** The allowed value closest to `key` by edit distance, when it is close enough to be a typo. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  const bare = key.replace(/^-+/, '').toLowerCase();
  const extended = allowed.filter((a) => a.replace(/^-+/, '').toLowerCase().startsWith(bare));
  if (bare.length >= 3 && extended.length === 1) return extended[0]; // a shortened name: --batch for --batchSize
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestDistance) {
      best = a;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(key.replace(/^-+/, '').length / 3));
  return bestDistance > 0 && bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * An {@link ExperimentError} raised as an exception: what {@link fail} and {@link orThrow} throw,
 * and what the CLI runner (`runCli`) turns into one `error:` line and exit code 2.
 */
export class ExperimentFailure extends Error {
  override readonly name = 'ExperimentFailure';
  constructor(readonly error: ExperimentError) {
    super(formatError(error));
  }
}

/** Throws `e` as an {@link ExperimentFailure}. */
export function fail(e: ExperimentError): never {
  throw new ExperimentFailure(e);
}

/** The value of a decoded `Either`, or throws its error as an {@link ExperimentFailure}. */
export function orThrowSync<A>(result: E.Either<ExperimentError, A>): A {
  if (E.isLeft(result)) return fail(result.left);
  return result.right;
}

/** Runs a task: resolves to its value, or rejects with its error as an {@link ExperimentFailure}. */
export async function orThrow<A>(task: TE.TaskEither<ExperimentError, A>): Promise<A> {
  return orThrowSync(await task());
}
