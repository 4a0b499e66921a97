import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The DiffFlow packages a run records. */
export const diffflowPackages = [
  '@diffflow/backend',
  '@diffflow/sde-core',
  '@diffflow/networks',
  '@diffflow/losses',
  '@diffflow/adjoint',
  '@diffflow/likelihood',
  '@diffflow/parallel',
  '@diffflow/metrics',
  '@diffflow/datasets',
  '@diffflow/training',
  '@diffflow/cli',
  '@diffflow/runs',
  '@diffflow/figures',
  '@diffflow/experiment',
] as const;

/** tfjs core and the backends a run may use (recorded when installed). */
export const tfjsPackages = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgl',
  '@tensorflow/tfjs-backend-webgpu',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
] as const;

const require = createRequire(import.meta.url);

/**
 * The installed version of `name` as resolved from this package, or undefined when it is not
 * installed. Reads `<name>/package.json`; for packages whose `exports` hide it, walks up from the
 * resolved entry point to the package.json that carries the name.
 */
export function installedVersion(name: string): string | undefined {
  try {
    return versionIn(require.resolve(`${name}/package.json`), name);
  } catch {
    // not exported, or not installed
  }
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const found = versionIn(join(dir, 'package.json'), name);
    if (found !== undefined) return found;
    if (dirname(dir) === dir) return undefined;
  }
}

function versionIn(packageJson: string, name: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(packageJson, 'utf8')) as { name?: unknown; version?: unknown };
    return parsed.name === name && typeof parsed.version === 'string' ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Versions of the @diffflow/* packages, @tensorflow/tfjs-core and the tfjs backends that are
 * installed, plus `node` (the runtime), for a run's config.json. Packages that are not
 * installed are left out.
 */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...diffflowPackages, ...tfjsPackages]) {
    const version = installedVersion(name);
    if (version !== undefined) out[name] = version;
  }
  out['node'] = process.version;
  return out;
}
