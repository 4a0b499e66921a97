/**
 * The names of the page's tfjs backends and which of them exist here, on their own (no backend
 * imported), so the page's main bundle can name and look them up without loading any of them.
 */

/** The browser backends, fastest first by expectation (the order `pickBackend` probes them). */
export const browserBackends = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof browserBackends)[number];

/** True for one of `browserBackends`. */
export function isBrowserBackend(s: string): s is BrowserBackend {
  return (browserBackends as readonly string[]).includes(s);
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
