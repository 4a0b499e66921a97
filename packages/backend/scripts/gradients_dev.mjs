/**
 * What `#tfjs-gradients` resolves to under the `@diffflow/source` condition (this repository's tests and
 * tsx runs, which use the TypeScript sources and no build): bundles the gradient registrations as
 * the build does (tfjs_gradients.mjs), once per tfjs-core and esbuild version, into
 * node_modules/.cache/@diffflow/backend/, and imports that file.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleTfjsGradients, tfjsCoreVersion } from './tfjs_gradients.mjs';

const require = createRequire(import.meta.url);
const esbuildVersion = /** @type {{ version: string }} */ (require('esbuild/package.json')).version;
const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const cached = join(packageRoot, 'node_modules', '.cache', '@diffflow', 'backend', `tfjs_gradients-${tfjsCoreVersion()}-esbuild${esbuildVersion}.js`);
if (!existsSync(cached)) await bundleTfjsGradients(cached);
await import(pathToFileURL(cached).href);
