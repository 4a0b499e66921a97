import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from './register_gradients.js';

/** Backends this library knows, fastest first. 'tensorflow' is tfjs-node(-gpu)'s native backend. */
export const backendNames = ['tensorflow', 'wasm', 'cpu'] as const;
/** One of {@link backendNames}: a tfjs backend `selectBackend` can start. */
export type BackendName = (typeof backendNames)[number];

/** What runs: the tfjs backend name and the package that provided it. */
export interface BackendInfo {
  readonly name: BackendName;
  readonly provider: string;
  readonly tfjsVersion: string;
}

/** Thrown for a DIFFFLOW_BACKEND value that is not a known backend, or one that cannot start. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}

type Importer = (specifier: string) => Promise<unknown>;
const dynamicImport: Importer = (specifier) => import(specifier);

async function tryNative(importer: Importer): Promise<string | null> {
  // Optional packages: a user with internet (and CUDA) installs one of them to get native speed.
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await importer(pkg);
      if (tf.findBackend('tensorflow') !== undefined || tf.engine().registryFactory['tensorflow'] !== undefined) return pkg;
    } catch {
      // not installed, or its native library failed to load: fall through to the next one
    }
  }
  return null;
}

async function start(name: BackendName, provider: string): Promise<BackendInfo> {
  if (!(await tf.setBackend(name))) throw new BackendError(`backend '${name}' (${provider}) failed to initialise`);
  await tf.ready();
  return { name, provider, tfjsVersion: tf.version_core };
}

/**
 * Picks and starts a backend: tfjs-node-gpu if it loads, else tfjs-node, else wasm, else cpu.
 * `DIFFFLOW_BACKEND=tensorflow|wasm|cpu` (or `options.prefer`) forces one and fails loudly if it
 * cannot start. Registers tfjs's gradient functions first ({@link registerGradients}). Prints which
 * backend runs unless `options.quiet`. Outside Node (no `process`) only `options.prefer` is read.
 */
export async function selectBackend(
  options: { readonly prefer?: string; readonly quiet?: boolean; readonly importer?: Importer } = {},
): Promise<BackendInfo> {
  const importer = options.importer ?? dynamicImport;
  const wanted = options.prefer ?? globalThis.process?.env['DIFFFLOW_BACKEND'];
  await registerGradients();
  let info: BackendInfo;
  if (wanted !== undefined && wanted !== '') {
    if (!(backendNames as readonly string[]).includes(wanted)) {
      throw new BackendError(`DIFFFLOW_BACKEND must be one of ${backendNames.join(', ')}; got '${wanted}'`);
    }
    if (wanted === 'tensorflow') {
      const provider = await tryNative(importer);
      if (provider === null) {
        throw new BackendError(
          "DIFFFLOW_BACKEND=tensorflow, but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads; install one (npm i @tensorflow/tfjs-node)",
        );
      }
      info = await start('tensorflow', provider);
    } else {
      info = await startEmbedded(wanted as 'wasm' | 'cpu', importer);
    }
  } else {
    const provider = await tryNative(importer);
    if (provider !== null) info = await start('tensorflow', provider);
    else {
      try {
        info = await startEmbedded('wasm', importer);
      } catch {
        info = await startEmbedded('cpu', importer);
      }
    }
  }
  if (options.quiet !== true) console.error(`[diffflow] backend: ${info.name} (${info.provider}, tfjs-core ${info.tfjsVersion})`);
  return info;
}

async function startEmbedded(name: 'wasm' | 'cpu', importer: Importer): Promise<BackendInfo> {
  const pkg = name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu';
  await importer(pkg);
  return start(name, pkg);
}
