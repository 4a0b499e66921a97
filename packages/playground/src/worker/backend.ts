/**
 * The page's tfjs backends, fastest first by expectation: WebGPU, WebGL, wasm (SIMD, and threads when
 * the page is cross-origin isolated), cpu. The worker starts on `firstBackend` (wasm) so the first
 * plots come at once, then `probeBackends` measures the others (`backend_choice.ts`:
 * software-rendered GPUs ruled out, the rest timed on a small workload) and the session moves to
 * the fastest; the user can switch.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '@diffflow/backend';
import { wasmKernelsActive } from '@diffflow/networks';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { isSoftwareRenderer, type BackendProbe } from './backend_choice.js';

import { availableBackends, type BrowserBackend } from './backend_names.js';

export { availableBackends, browserBackends, isBrowserBackend, type BrowserBackend } from './backend_names.js';

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
  /** Why this backend: the measurement (`chooseBackend`'s sentence) or the user's choice. */
  readonly reason: string;
}

async function detailOf(name: BrowserBackend): Promise<string> {
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    const kernels = wasmKernelsActive() ? "DiffFlow's SIMD kernels" : "tfjs's kernels only";
    return `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? `multi-threaded (${navigator.hardwareConcurrency} cores)` : 'single-threaded (page not cross-origin isolated)'}, ${kernels}`;
  }
  if (name === 'webgl') return `WebGL ${tf.env().getNumber('WEBGL_VERSION')}, ${webglRenderer() ?? 'unknown GPU'}`;
  if (name === 'webgpu') return `WebGPU, ${(await webgpuRenderer()) ?? 'unknown adapter'}`;
  return 'plain JavaScript';
}

/** WebGL's renderer string (the unmasked one when the browser gives it), or undefined without WebGL. */
export function webglRenderer(): string | undefined {
  const canvas = new OffscreenCanvas(1, 1);
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (gl === null) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info !== null ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/** The WebGPU adapter's vendor, architecture and description ('software fallback' for a fallback adapter). */
async function webgpuRenderer(): Promise<string | undefined> {
  type Info = { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: Info; isFallbackAdapter?: boolean } | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (adapter === null || adapter === undefined) return undefined;
  const info = adapter.info ?? {};
  const fallback = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true;
  const words = [info.vendor, info.architecture, info.description].filter((w) => w !== undefined && w !== '').join(' ');
  return `${words === '' ? 'adapter' : words}${fallback ? ' (software fallback)' : ''}`;
}

/**
 * Milliseconds of one benchmark step on the current backend (median of 3 after a warm-up that
 * compiles shaders): 3 layers × 2N = 60 matrix products of a width-64 MLP on 256 rows, the shape of
 * the page's training step, read back once as a training step is.
 */
function benchmarkMs(): number {
  const step = (): void => {
    const y = tf.tidy(() => {
      let x: tf.Tensor2D = tf.fill([256, 64], 0.5);
      const w = tf.fill([64, 64], 1 / 64);
      for (let i = 0; i < 60; i++) x = tf.relu(tf.matMul(x, w)) as tf.Tensor2D;
      return tf.sum(x);
    });
    y.dataSync();
    y.dispose();
  };
  step();
  const times = [0, 1, 2].map(() => {
    const t0 = performance.now();
    step();
    return performance.now() - t0;
  });
  return times.sort((a, b) => a - b)[1] as number;
}

/**
 * What each available backend is: GPU renderers read, software-rendered GPUs not started, the
 * others started, timed (`benchmarkMs`) and left for `active` again; cpu is timed only when there
 * is no wasm (it is always slower). `active` (the backend the session lives on) is timed in place.
 */
export async function probeBackends(active: BrowserBackend): Promise<BackendProbe[]> {
  const available = await availableBackends();
  const probes: BackendProbe[] = [];
  for (const name of available) {
    const renderer = name === 'webgl' ? webglRenderer() : name === 'webgpu' ? await webgpuRenderer() : undefined;
    if (isSoftwareRenderer(renderer) || (name === 'cpu' && available.includes('wasm') && active !== 'cpu')) {
      probes.push(renderer === undefined ? { name } : { name, renderer });
      continue;
    }
    try {
      if (name !== active) await startBackend(name, '');
      const ms = benchmarkMs();
      probes.push(renderer === undefined ? { name, ms } : { name, renderer, ms });
    } catch {
      // does not start here: not a candidate
    } finally {
      if (tf.getBackend() !== active) await tf.setBackend(active);
    }
  }
  return probes;
}

/** The backend to start on before measuring: wasm where WebAssembly exists (the fastest without a GPU), else cpu. */
export function firstBackend(): BrowserBackend {
  return typeof WebAssembly === 'object' ? 'wasm' : 'cpu';
}

/** Starts `name`; throws naming it when it cannot start. `reason` is what the page shows for the choice. */
export async function startBackend(name: BrowserBackend, reason: string): Promise<BackendReport> {
  await registerGradients();
  // the GPU backends are loaded when first started: the first plots do not wait for their code
  if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  // WebGL: shapes as uniforms, so a new batch or sample size does not compile new shaders.
  if (name === 'webgl') tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to start`);
  await tf.ready();
  return { name, detail: await detailOf(name), reason };
}
