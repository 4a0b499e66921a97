import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import * as E from 'fp-ts/lib/Either.js';
import { describeCause, errnoCode, fileMissing, ioFailed, type ExperimentError } from '@diffflow/cli';

/** What `writeFileAtomic` accepts: bytes (a Buffer is a Uint8Array), an ArrayBuffer, or text (written as UTF-8). */
export type FileContent = Uint8Array | ArrayBuffer | string;

const TEMP_SUFFIX = '.tmp';

/**
 * The name of a temporary file for `path`: hidden, in the same folder (so the final rename stays
 * on one file system), unique per process and call.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

/** Whether a file name is one of `tempPathFor`'s temporary files (left behind by a crash). */
export function isTempFileName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/.test(name);
}

/**
 * Writes `content` to `path` so that readers see either the old file or the complete new one,
 * never a partial file: write a temporary file in the same folder, fsync it, rename it over
 * `path`, then fsync the folder (best effort). On failure the temporary file is removed and
 * `path` is left as it was.
 *
 * Errors: the folder is missing → `FileMissing` (naming the folder); anything else → `IoFailed`.
 */
export function writeFileAtomic(path: string, content: FileContent): TE.TaskEither<ExperimentError, void> {
  return async () => {
    const bytes = toBytes(content);
    const temp = tempPathFor(path);
    let created = false;
    try {
      const handle = await open(temp, 'wx', 0o644);
      created = true;
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      created = false;
      await syncFolder(dirname(path));
      return E.right(undefined);
    } catch (e) {
      if (created) await unlink(temp).catch(() => undefined);
      if (errnoCode(e) === 'ENOENT') return E.left(fileMissing(dirname(path), `the folder for '${basename(path)}' does not exist`));
      return E.left(ioFailed(path, describeCause(e)));
    }
  };
}

/** Turns `FileContent` into bytes without copying when it already is bytes. */
export function toBytes(content: FileContent): Uint8Array {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (content instanceof Uint8Array) return content;
  return new Uint8Array(content);
}

/** fsyncs a folder so that a rename in it is durable; some systems refuse, which is harmless. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Folders cannot be opened or fsynced on every platform; the rename itself already happened.
  }
}
