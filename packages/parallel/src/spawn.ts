import { Worker, type WorkerOptions } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Starts a worker thread on the module `entry` that sits next to the calling module, from the same
 * form the caller runs in: the built `entry.js` when `moduleUrl` is a `.js` file (dist), the
 * TypeScript `entry.ts` when it is a `.ts` file (tsx, vitest). What every worker of the runtime
 * (`dataParallel`'s replicas, `taskWorker`) starts with.
 *
 * From sources, Node 20 does not apply `--import tsx` from a worker's `execArgv` before its entry,
 * so a one-line bootstrap registers tsx's loader, then imports the entry; the worker resolves
 * workspace packages through the `@diffflow/source` condition, as the main thread does. tsx turns
 * source maps on; they are turned off again before tfjs loads (Node would otherwise parse the .map
 * files of every tfjs bundle, ~50 MiB per worker), so stack traces point into the transpiled code;
 * error messages are unchanged.
 *
 * @param moduleUrl the caller's `import.meta.url`
 * @param entry the worker module's path relative to it, without extension (e.g. './worker')
 * @param options Node's worker options (`workerData`, `resourceLimits`, …); from sources, `execArgv`
 *   gets the `@diffflow/source` condition in front of what is given
 * @example
 * const worker = startModuleWorker(import.meta.url, './my_worker', { workerData });
 */
export function startModuleWorker(moduleUrl: string, entry: string, options: WorkerOptions = {}): Worker {
  if (!/^\.{1,2}\//.test(entry) || /\.[cm]?[jt]s$/.test(entry)) {
    throw new RangeError(`startModuleWorker: entry must be a relative path without extension (e.g. './worker'), got '${entry}'`);
  }
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(`${entry}.js`, moduleUrl), options);
  const url = new URL(`${entry}.ts`, moduleUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxApi(moduleUrl))}).then((m) => { m.register(); process.setSourceMapsEnabled(false); return import(${JSON.stringify(url)}); })`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: ['--conditions=@diffflow/source', ...(options.execArgv ?? [])] });
}

/** tsx's loader API as a file URL, resolved from the calling module. */
function tsxApi(moduleUrl: string): string {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolve === 'function') {
    try {
      return resolve('tsx/esm/api');
    } catch {
      // fall through to the package layout
    }
  }
  return pathToFileURL(join(dirname(createRequire(moduleUrl).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
}
