/**
 * Bundles `@tensorflow/tfjs-core/dist/register_all_gradients.js` into one self-contained ES module
 * that Node can load, for `registerGradients` (src/register_gradients.ts).
 *
 * tfjs-core's Node entry (`dist/tf-core.node.js`, CommonJS) registers no gradient functions, and
 * the per-file ES modules that do (`dist/register_all_gradients.js`, `dist/gradients/*.js`) import
 * each other without file extensions, which Node's ES loader refuses. The `@tensorflow/tfjs` union
 * package solves this with a Node bundle that carries its own copy of tfjs-core, but it also pulls
 * in layers, converter, data and webgl (≈ 300 MB installed). This script makes the same kind of
 * bundle from tfjs-core alone: the gradient modules with the tfjs-core code they call inlined. The
 * inlined copy shares the engine, the kernel registry and the gradient registry with the caller's
 * `@tensorflow/tfjs-core` (tfjs keeps them on `globalThis`), so registering from it is registering
 * for everyone; `Tensor` instances of either copy pass the other's `instanceof` checks.
 *
 * Used twice: by the package's build (`node scripts/tfjs_gradients.mjs dist/tfjs_gradients.js`)
 * and, in this repository's development runs (the `source` export condition: tests, tsx), by
 * `gradients_dev.mjs`, which bundles into a cache instead of requiring a build.
 */
import { createRequire } from 'node:module';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The version of the tfjs-core whose gradients get bundled (the one this package resolves). */
export function tfjsCoreVersion() {
  return /** @type {{ version: string }} */ (require('@tensorflow/tfjs-core/package.json')).version;
}

/**
 * Bundles the gradient registrations into `outfile` (written atomically: a temporary file, then a
 * rename, so concurrent writers never leave a half-written module). Throws if the bundle would
 * import anything: it must load with no dependency resolution at all.
 * @param {string} outfile
 * @returns {Promise<{ bytes: number }>}
 */
export async function bundleTfjsGradients(outfile) {
  const esbuild = await import('esbuild');
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const result = await esbuild.build({
    stdin: { contents: `import ${JSON.stringify(entry)};`, resolveDir: dirname(entry), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2020',
    write: false,
    metafile: true,
    legalComments: 'eof',
    banner: { js: `// tfjs-core ${tfjsCoreVersion()} gradient registrations, bundled by @diffflow/backend (scripts/tfjs_gradients.mjs).` },
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
  if (imports.length > 0) {
    throw new Error(`tfjs_gradients: the bundle would import ${imports.map((i) => i.path).join(', ')}; it must be self-contained`);
  }
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('tfjs_gradients: esbuild wrote nothing');
  const target = resolve(outfile);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, output.contents);
  renameSync(temporary, target);
  return { bytes: output.contents.byteLength };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outfile = process.argv[2];
  if (outfile === undefined) {
    console.error('usage: node scripts/tfjs_gradients.mjs OUTFILE');
    process.exit(2);
  }
  const { bytes } = await bundleTfjsGradients(outfile);
  console.log(`tfjs_gradients: ${outfile} (${(bytes / 1024).toFixed(0)} KiB, tfjs-core ${tfjsCoreVersion()})`);
}
