/**
 * `npm run pack:libs`: builds every library package (Nx, cached) and packs each into `tarballs/` at
 * the repository root (emptied first), the folder the README's install recipe installs from.
 * `--table` prints instead the README's table of which tarballs each library needs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closureTable, libraries, pack, readManifest } from './consumer.js';

const workspaceRoot = fileURLToPath(new URL('../../..', import.meta.url));
const libs = libraries(workspaceRoot, readManifest(fileURLToPath(new URL('..', import.meta.url))));
if (process.argv.includes('--table')) {
  console.log(closureTable(libs));
} else {
  const nx = join(workspaceRoot, 'node_modules', '.bin', 'nx');
  execFileSync(nx, ['run-many', '-t', 'build', '-p', libs.map((lib) => lib.manifest.name).join(','), '--outputStyle=static'], {
    cwd: workspaceRoot,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
  });
  const out = join(workspaceRoot, 'tarballs');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  for (const lib of libs) console.log(`packed ${pack(lib.dir, out, process.env).filename}`);
  console.log(`${libs.length} tarballs in ${out}`);
}
