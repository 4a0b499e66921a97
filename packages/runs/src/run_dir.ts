/**
 * The run output folder: opened only when it is new, empty, or holds this same run (and the
 * caller resumes); every file in it is written atomically, except metrics.jsonl, which is
 * appended one JSON line at a time.
 */
import { appendFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { isTempFileName, writeFileAtomic } from './atomic.js';
import { encodeCheckpoint, loadCheckpoint, type Checkpoint } from './checkpoint.js';
import { describeCause, errnoCode, fromFsError, ioFailed, outputNotEmpty, showValue, type ExperimentError } from '@diffflow/cli';
import { encodeNpyArray, type NpyTypedArray } from '@diffflow/datasets';

/** The run folder's config file. */
export const CONFIG_FILE = 'config.json';
/** The run folder's metrics log, one JSON object a line. */
export const METRICS_FILE = 'metrics.jsonl';
/** The run folder's summary of results. */
export const SUMMARY_FILE = 'summary.json';

/**
 * The records of a metrics.jsonl text, in file order: one object per line that parses as a JSON
 * object. Blank lines and lines that do not parse (the last one, cut short by a crash) are skipped,
 * so a reader sees what a run got to write. Repeated iterations (a resumed run) are left to the
 * caller: typically the last line of an iteration wins.
 */
export function metricsRecords(text: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r: unknown = JSON.parse(line);
      if (typeof r === 'object' && r !== null && !Array.isArray(r)) records.push(r as Record<string, unknown>);
    } catch {
      // a line cut short by a crash
    }
  }
  return records;
}

/** Config fields that do not make a run another run (default of `OpenRunDirOptions.nonIdentity`). */
export const defaultNonIdentityFields = ['out', 'resume'] as const;

/** File extensions a run of ours writes (what may sit next to config.json, also in subfolders). */
export const runFileExtensions = ['.json', '.jsonl', '.npy', '.png', '.bin', '.ckpt', '.log', '.csv'] as const;

/** Files that are never a reason to refuse a folder. */
const IGNORED = new Set(['.DS_Store', 'Thumbs.db']);

/** Options of opening a run folder. */
export interface OpenRunDirOptions {
  /**
   * The run's configuration. A folder whose config.json differs from it, on any key of `config`
   * except the `nonIdentity` ones, holds another run. Keys that only config.json has (versions,
   * backend, …) are not compared.
   */
  readonly config: unknown;
  /** Continue the run found in the folder instead of refusing it. */
  readonly resume: boolean;
  /** Top-level keys that may differ between the stored and the new config; default ['out', 'resume']. */
  readonly nonIdentity?: readonly string[];
  /** More extensions to accept as run files (e.g. '.txt'). */
  readonly extraExtensions?: readonly string[];
}

/** An opened run folder. Every method writes under `path` only. */
export interface RunDir {
  readonly path: string;
  /** Whether the folder already held this run (it is being resumed). */
  readonly resumed: boolean;
  /** The path of a file in the run folder; `name` may hold subfolders but must stay inside. */
  file(name: string): string;
  /** config.json (pretty JSON), atomically. */
  writeConfig(resolved: unknown): TE.TaskEither<ExperimentError, void>;
  /** One JSON line appended to metrics.jsonl (NaN and ±Infinity become null, as in all JSON). */
  appendMetrics(record: object): TE.TaskEither<ExperimentError, void>;
  /** summary.json (pretty JSON), atomically. */
  writeSummary(obj: unknown): TE.TaskEither<ExperimentError, void>;
  /** Any other JSON file, atomically. */
  writeJson(name: string, obj: unknown): TE.TaskEither<ExperimentError, void>;
  /** Writes an array as `name` (.npy) in the run folder, atomically. */
  writeNpy(name: string, data: NpyTypedArray, shape: readonly number[]): TE.TaskEither<ExperimentError, void>;
  /** Writes PNG bytes as `name` in the run folder, atomically. */
  writePng(name: string, png: Uint8Array): TE.TaskEither<ExperimentError, void>;
  /** Writes a checkpoint as `name` in the run folder, atomically. */
  saveCheckpoint(name: string, ckpt: Checkpoint): TE.TaskEither<ExperimentError, void>;
  /** Reads the checkpoint `name` of the run folder. */
  loadCheckpoint(name: string): TE.TaskEither<ExperimentError, Checkpoint>;
}

/**
 * Opens (creating when missing) the output folder of a run. Refuses with `OutputNotEmpty`, and
 * writes nothing, when the folder
 * - is a file;
 * - holds files but no config.json, or files a run of ours does not write;
 * - holds a config.json that cannot be read, or that differs from `config` (another run);
 * - holds this same run and `resume` is false ("use --resume or another --out").
 */
export function openRunDir(dir: string, options: OpenRunDirOptions): TE.TaskEither<ExperimentError, RunDir> {
  return async () => {
    const checked = await inspect(dir, options);
    if (E.isLeft(checked)) return checked;
    if (checked.right === 'missing') {
      try {
        await mkdir(dir, { recursive: true });
      } catch (e) {
        return E.left(ioFailed(dir, describeCause(e)));
      }
    }
    return E.right(makeRunDir(dir, checked.right === 'same-run'));
  };
}

type State = 'missing' | 'empty' | 'same-run';

async function inspect(dir: string, options: OpenRunDirOptions): Promise<E.Either<ExperimentError, State>> {
  const refuse = (reason: string) => E.left(outputNotEmpty(dir, reason));
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return refuse('it is a file, not a folder');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return E.right('missing');
    return E.left(ioFailed(dir, describeCause(e)));
  }
  const extensions = [...runFileExtensions, ...(options.extraExtensions ?? [])];
  let entries: string[];
  try {
    entries = (await readdir(dir)).filter((name) => !IGNORED.has(name) && !isTempFileName(name));
  } catch (e) {
    return E.left(ioFailed(dir, describeCause(e)));
  }
  if (entries.length === 0) return E.right('empty');
  if (!entries.includes(CONFIG_FILE))
    return refuse(`it holds files but no ${CONFIG_FILE}, so it is not a run folder (${preview(entries)}); use another --out`);

  let foreign: string[];
  try {
    foreign = await foreignFiles(dir, '', extensions);
  } catch (e) {
    return E.left(ioFailed(dir, describeCause(e)));
  }
  if (foreign.length > 0) return refuse(`it holds files a run does not write (${preview(foreign)}); use another --out`);

  const configPath = join(dir, CONFIG_FILE);
  let stored: unknown;
  try {
    stored = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) return refuse(`its ${CONFIG_FILE} is not valid JSON, so the run there cannot be identified; use another --out`);
    return E.left(fromFsError(configPath, e));
  }
  const difference = configDifference(stored, options.config, new Set(options.nonIdentity ?? defaultNonIdentityFields));
  if (difference !== undefined) return refuse(`it holds another run (${difference}); use another --out`);
  if (!options.resume) return refuse('it already holds this run; use --resume or another --out');
  return E.right('same-run');
}

function preview(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Paths (relative to `dir`) of files that no run writes, looking into subfolders. */
async function foreignFiles(dir: string, rel: string, extensions: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
    if (IGNORED.has(entry.name) || isTempFileName(entry.name)) continue;
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await foreignFiles(dir, path, extensions)));
    else if (!entry.isFile() || !extensions.some((ext) => entry.name.endsWith(ext))) out.push(path);
    if (out.length > 3) break;
  }
  return out;
}

/**
 * The first key of `wanted` (not in `ignore`) on which `stored` differs, described for a
 * message; undefined when they agree. Values are compared as JSON (as config.json stores them).
 */
export function configDifference(stored: unknown, wanted: unknown, ignore: ReadonlySet<string> = new Set()): string | undefined {
  const now = toJson(wanted);
  if (!isObject(stored)) return `its ${CONFIG_FILE} does not hold an object`;
  if (!isObject(now)) return jsonEqual(stored, now) ? undefined : `its ${CONFIG_FILE} differs`;
  for (const key of Object.keys(now)) {
    if (ignore.has(key)) continue;
    const path = firstDifference(stored[key], now[key], [key]);
    if (path !== undefined) {
      const there = valueAt(stored, path);
      const here = valueAt(now, path);
      return `${path.join('.')} is ${there === undefined ? 'not set' : showValue(there)} there, ${here === undefined ? 'not set' : showValue(here)} now`;
    }
  }
  return undefined;
}

function firstDifference(a: unknown, b: unknown, path: string[]): string[] | undefined {
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], [...path, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return jsonEqual(a, b) ? undefined : path;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const key of path) cur = isObject(cur) ? cur[key] : undefined;
  return cur;
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const toJson = (u: unknown): unknown => (u === undefined ? undefined : (JSON.parse(JSON.stringify(u) ?? 'null') as unknown));
const jsonEqual = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

function sortKeys(u: unknown): unknown {
  if (Array.isArray(u)) return u.map(sortKeys);
  if (isObject(u)) return Object.fromEntries(Object.keys(u).sort().map((k) => [k, sortKeys(u[k])]));
  return u;
}

function makeRunDir(path: string, resumed: boolean): RunDir {
  const file = (name: string): string => {
    const normalized = normalize(name);
    if (name === '' || isAbsolute(name) || normalized === '..' || normalized.startsWith(`..${sep}`))
      throw new RangeError(`RunDir.file: '${name}' must be a relative path inside the run folder`);
    return join(path, normalized);
  };
  /** Creates the subfolders of `name` when it has any, then runs `write`. */
  const inFolder = (name: string, write: (target: string) => TE.TaskEither<ExperimentError, void>): TE.TaskEither<ExperimentError, void> => {
    const target = file(name);
    const folder = dirname(target);
    const mk: TE.TaskEither<ExperimentError, unknown> =
      folder === normalize(path)
        ? TE.right(undefined)
        : TE.tryCatch(
            () => mkdir(folder, { recursive: true }),
            (e) => ioFailed(folder, describeCause(e)),
          );
    return pipe(
      mk,
      TE.chain(() => write(target)),
    );
  };
  const json = (obj: unknown): string => `${JSON.stringify(obj, null, 2)}\n`;
  const writeJson = (name: string, obj: unknown) => inFolder(name, (target) => writeFileAtomic(target, json(obj)));
  return {
    path,
    resumed,
    file,
    writeConfig: (resolved) => writeJson(CONFIG_FILE, resolved),
    writeSummary: (obj) => writeJson(SUMMARY_FILE, obj),
    writeJson,
    appendMetrics: (record) => {
      const target = file(METRICS_FILE);
      return TE.tryCatch(
        () => appendFile(target, `${JSON.stringify(record)}\n`, 'utf8'),
        (e) => fromFsError(target, e),
      );
    },
    writeNpy: (name, data, shape) => {
      const bytes = encodeNpyArray(data, shape); // a shape mismatch throws here, at the call
      return inFolder(name, (target) => writeFileAtomic(target, bytes));
    },
    writePng: (name, png) => inFolder(name, (target) => writeFileAtomic(target, png)),
    saveCheckpoint: (name, ckpt) => {
      const bytes = encodeCheckpoint(ckpt);
      return inFolder(name, (target) => writeFileAtomic(target, bytes));
    },
    loadCheckpoint: (name) => loadCheckpoint(file(name)),
  };
}
