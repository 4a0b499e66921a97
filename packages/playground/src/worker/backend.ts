/**
 * The page's tfjs backends, fastest first: WebGPU, WebGL, wasm (SIMD, and threads when the page is
 * cross-origin isolated), cpu. `pickBackend` starts the first one that works; the user can switch.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { registerGradients } from '@diffflow/backend';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** The browser backends, in the order `pickBackend` tries them. */
export const browserBackends = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof browserBackends)[number];

export function isBrowserBackend(s: string): s is BrowserBackend {
  return (browserBackends as readonly string[]).includes(s);
}

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/** What runs, for the page to show. */
export interface BackendReport {
  readonly name: BrowserBackend;
  /** e.g. 'SIMD, 4 threads' for wasm, the GPU's renderer string for WebGL. */
  readonly detail: string;
}

/** Backends whose device exists here (WebGPU adapter, a WebGL context, WebAssembly); cpu always. */
export async function availableBackends(): Promise<BrowserBackend[]> {
  const out: BrowserBackend[] = [];
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (gpu !== undefined && (await gpu.requestAdapter().catch(() => null)) !== null) out.push('webgpu');
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(1, 1);
    if ((canvas.getContext('webgl2') ?? canvas.getContext('webgl')) !== null) out.push('webgl');
  }
  if (typeof WebAssembly === 'object') out.push('wasm');
  out.push('cpu');
  return out;
}

async function detailOf(name: BrowserBackend): Promise<string> {
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? `multi-threaded (${navigator.hardwareConcurrency} cores)` : 'single-threaded (page not cross-origin isolated)'}`;
  }
  if (name === 'webgl') {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl !== null && gl !== undefined ? String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : 'unknown GPU';
    return `WebGL ${tf.env().getNumber('WEBGL_VERSION')}, ${renderer}`;
  }
  if (name === 'webgpu') return 'WebGPU';
  return 'plain JavaScript';
}

/** Starts `name`; throws naming it when it cannot start. */
export async function startBackend(name: BrowserBackend): Promise<BackendReport> {
  await registerGradients();
  // WebGL: shapes as uniforms, so a new batch or sample size does not compile new shaders.
  if (name === 'webgl') tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to start`);
  await tf.ready();
  return { name, detail: await detailOf(name) };
}

/** Starts the first backend of `browserBackends` that is available and starts. */
export async function pickBackend(): Promise<BackendReport> {
  for (const name of await availableBackends()) {
    try {
      return await startBackend(name);
    } catch {
      // next one
    }
  }
  throw new Error('no tfjs backend could start');
}
