/**
 * The classifier's versioned artifact: a folder holding
 * - `lenet.json`: `{ format: 'diffflow-lenet', version: 1, architecture, parameters: [{ name, shape }], info }`
 *   (`info` is the caller's, e.g. the data split and held-out accuracy);
 * - `weights.npy`: every parameter's values in the order of `parameters`, concatenated, float32 [P]
 *   (.npy 1.0 by datasets' codec, readable by NumPy).
 * Written weights first, then the JSON, each to a temporary name renamed into place; read back
 * with every field checked, so a truncated, foreign or mismatched file is one error naming it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { decodeNpyArray, encodeNpyArray, formatDatasetError } from '@diffflow/datasets';
import { checkArchitecture, lenet, type LeNet, type LeNetArchitecture } from './lenet.js';

/** The artifact's format tag and version: a reader refuses any other. */
export const CLASSIFIER_FORMAT = 'diffflow-lenet';
/** The version of the classifier file format this code writes and reads. */
export const CLASSIFIER_FORMAT_VERSION = 1;
/** File names inside the artifact folder. */
export const CLASSIFIER_FILES = { meta: 'lenet.json', weights: 'weights.npy' } as const;

/** Free-form, JSON-serialisable facts stored with the weights (data set, split, accuracy, training settings). */
export type ClassifierInfo = Readonly<Record<string, unknown>>;

/** The artifact's file does not exist. */
export interface ClassifierFileMissing {
  readonly _tag: 'ClassifierFileMissing';
  readonly path: string;
  /** How to make it. */
  readonly hint: string;
}

/** The file exists but is not a valid artifact of this version (or does not match its other file). */
export interface ClassifierFileMalformed {
  readonly _tag: 'ClassifierFileMalformed';
  readonly path: string;
  readonly reason: string;
}

/** Why a classifier file could not be read: missing or malformed. */
export type ClassifierFileError = ClassifierFileMissing | ClassifierFileMalformed;

/** One line naming the file and what is wrong with it. */
export function formatClassifierFileError(e: ClassifierFileError): string {
  return e._tag === 'ClassifierFileMissing' ? `classifier file not found: ${e.path} (${e.hint})` : `bad classifier file ${e.path}: ${e.reason}`;
}

const malformed = (path: string, reason: string): ClassifierFileError => ({ _tag: 'ClassifierFileMalformed', path, reason });

/** A loaded artifact. */
export interface LoadedClassifier {
  readonly classifier: LeNet;
  readonly info: ClassifierInfo;
}

/**
 * The artifact's two files as bytes (pure: no file system).
 * @returns `meta` (lenet.json text) and `weights` (weights.npy bytes)
 * @throws RangeError naming `info` when it is not JSON-serialisable
 */
export function encodeClassifier(classifier: LeNet, info: ClassifierInfo): { readonly meta: string; readonly weights: Uint8Array } {
  const values = new Float32Array(classifier.parameterCount);
  let at = 0;
  for (const p of classifier.parameters) {
    const v = p.variable.dataSync() as Float32Array;
    values.set(v, at);
    at += v.length;
  }
  let meta: string;
  try {
    meta = JSON.stringify(
      {
        format: CLASSIFIER_FORMAT,
        version: CLASSIFIER_FORMAT_VERSION,
        architecture: classifier.architecture,
        parameters: classifier.parameters.map((p) => ({ name: p.name, shape: p.variable.shape })),
        info,
      },
      null,
      2,
    );
  } catch (e) {
    throw new RangeError(`encodeClassifier: info must be JSON-serialisable (${e instanceof Error ? e.message : String(e)})`);
  }
  return { meta: `${meta}\n`, weights: encodeNpyArray(values, [values.length]) };
}

/**
 * Rebuilds a classifier from the artifact's two files, checking the format tag and version, the
 * architecture, every parameter's name and shape against the architecture's and the weights' count.
 * @param paths the files' paths, named in errors
 * @returns the classifier (the caller disposes it) and its info, or an error naming the file
 */
export function decodeClassifier(
  files: { readonly meta: string; readonly weights: Uint8Array },
  paths: { readonly meta: string; readonly weights: string },
): E.Either<ClassifierFileError, LoadedClassifier> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(files.meta);
  } catch (e) {
    return E.left(malformed(paths.meta, `not JSON (${e instanceof Error ? e.message : String(e)})`));
  }
  if (typeof parsed !== 'object' || parsed === null) return E.left(malformed(paths.meta, 'must hold a JSON object'));
  const m = parsed as Record<string, unknown>;
  if (m['format'] !== CLASSIFIER_FORMAT) return E.left(malformed(paths.meta, `format must be '${CLASSIFIER_FORMAT}', got ${JSON.stringify(m['format'])}`));
  if (m['version'] !== CLASSIFIER_FORMAT_VERSION) {
    return E.left(malformed(paths.meta, `version ${JSON.stringify(m['version'])} is not the version this code reads (${CLASSIFIER_FORMAT_VERSION}); retrain the classifier`));
  }
  let arch: LeNetArchitecture;
  try {
    arch = checkArchitecture(m['architecture'] as LeNetArchitecture);
  } catch (e) {
    return E.left(malformed(paths.meta, `architecture: ${e instanceof Error ? e.message : String(e)}`));
  }
  const info = m['info'];
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return E.left(malformed(paths.meta, 'info must be a JSON object'));
  const stored = m['parameters'];
  if (!Array.isArray(stored)) return E.left(malformed(paths.meta, 'parameters must be a list of { name, shape }'));
  const decoded = decodeNpyArray(files.weights, paths.weights);
  if (E.isLeft(decoded)) return E.left(malformed(paths.weights, formatDatasetError(decoded.left)));
  const { data, shape } = decoded.right;
  if (!(data instanceof Float32Array) || shape.length !== 1) return E.left(malformed(paths.weights, `must hold a 1-D float32 array, got ${decoded.right.dtype} of shape [${shape.join(', ')}]`));
  const classifier = lenet(arch, 0);
  const fail = (path: string, reason: string): E.Either<ClassifierFileError, LoadedClassifier> => {
    classifier.dispose();
    return E.left(malformed(path, reason));
  };
  if (stored.length !== classifier.parameters.length) return fail(paths.meta, `lists ${stored.length} parameters, the architecture has ${classifier.parameters.length}`);
  for (const [i, p] of classifier.parameters.entries()) {
    const s = stored[i] as { name?: unknown; shape?: unknown } | null;
    const shapeOk = s !== null && Array.isArray(s.shape) && s.shape.length === p.variable.shape.length && s.shape.every((v, k) => v === p.variable.shape[k]);
    if (s === null || s.name !== p.name || !shapeOk) {
      return fail(paths.meta, `parameter ${i} is ${JSON.stringify(s)}, the architecture's is { name: '${p.name}', shape: [${p.variable.shape.join(', ')}] }`);
    }
  }
  if (data.length !== classifier.parameterCount) return fail(paths.weights, `holds ${data.length} values, the architecture in ${paths.meta} has ${classifier.parameterCount} parameters`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) return fail(paths.weights, `value ${i} is not finite (${data[i]})`);
  let at = 0;
  for (const p of classifier.parameters) {
    const size = p.variable.size;
    tf.tidy(() => p.variable.assign(tf.tensor(data.subarray(at, at + size), p.variable.shape, 'float32')));
    at += size;
  }
  return E.right({ classifier, info: info as ClassifierInfo });
}

/**
 * Writes the artifact into folder `dir` (created if missing): weights.npy, then lenet.json, each
 * through a temporary file renamed into place, so a reader never sees a half-written file.
 */
export function saveClassifier(dir: string, classifier: LeNet, info: ClassifierInfo): TE.TaskEither<ClassifierFileError, void> {
  const files = encodeClassifier(classifier, info);
  const put = async (name: string, content: string | Uint8Array): Promise<void> => {
    const path = join(dir, name);
    await writeFile(`${path}.tmp`, content);
    await rename(`${path}.tmp`, path);
  };
  return TE.tryCatch(
    async () => {
      await mkdir(dir, { recursive: true });
      await put(CLASSIFIER_FILES.weights, files.weights);
      await put(CLASSIFIER_FILES.meta, files.meta);
    },
    (e) => malformed(dir, `cannot be written (${e instanceof Error ? e.message : String(e)})`),
  );
}

/**
 * Reads the artifact in folder `dir` (see {@link decodeClassifier}). A missing file is
 * `ClassifierFileMissing` naming it; anything else wrong, `ClassifierFileMalformed` naming the file.
 * @param hint how to make a missing artifact (e.g. the command that trains it)
 */
export function loadClassifier(dir: string, hint = 'train the classifier first'): TE.TaskEither<ClassifierFileError, LoadedClassifier> {
  const paths = { meta: join(dir, CLASSIFIER_FILES.meta), weights: join(dir, CLASSIFIER_FILES.weights) };
  const read = (path: string): TE.TaskEither<ClassifierFileError, Uint8Array> =>
    TE.tryCatch(
      async () => new Uint8Array(await readFile(path)),
      (e): ClassifierFileError => {
        const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
        if (code === 'ENOENT' || code === 'ENOTDIR') return { _tag: 'ClassifierFileMissing', path, hint };
        return malformed(path, `cannot be read (${e instanceof Error ? e.message : String(e)})`);
      },
    );
  return pipe(
    TE.Do,
    TE.bind('meta', () => read(paths.meta)),
    TE.bind('weights', () => read(paths.weights)),
    TE.chainEitherK(({ meta, weights }) => decodeClassifier({ meta: new TextDecoder().decode(meta), weights }, paths)),
  );
}
