import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A fresh folder under the OS temp folder for the calling suite (a test file at top level, or the
 * enclosing `describe`): created now, removed with everything in it once the suite has run
 * (`afterAll`). Returns its absolute path.
 * @param prefix the folder name's start, e.g. 'diffflow-npy-' (mkdtemp appends six random characters)
 */
export function suiteTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
