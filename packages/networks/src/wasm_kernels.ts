import * as tf from '@tensorflow/tfjs-core';
import { wasmKernelsBase64, wasmKernelsSharedBase64 } from './wasm_kernels_binary.js';

/**
 * DiffFlow's own WebAssembly kernels (SIMD; source: scripts/build_wasm_kernels.mjs), run on
 * tfjs-backend-wasm's heap: the module imports the backend's memory, so a kernel reads and writes
 * tensors where tfjs keeps them, with no copy. Two kernels, each one call where tfjs needs four to nine:
 * - `gate`: the gate x·σ̃(a x) and its derivative (see `gateWithDerivative` in activation.ts);
 * - `layerGrad`: a gated dense layer's pull-back dp, ∂W = hᵀ·dp and ∂b (see dense_pullback.ts).
 *
 * Pointers are byte offsets into the heap. The callers are the kernels that activation.ts and
 * dense_pullback.ts register for the 'wasm' backend; they allocate outputs with the backend's own
 * `makeOutput`, so tfjs owns and frees every tensor as usual.
 */
export interface WasmKernels {
  /**
   * value = x·σ̃(a x) and, when `derivative` ≠ 0, derivative = σ̃(a x)·(1 + a x (1 − σ̃(a x))), on n ≥ 4
   * floats at byte offsets (σ̃: the flushed sigmoid, activation.ts). The outputs must not overlap x.
   */
  gate(x: number, value: number, derivative: number, n: number, a: number): void;
  /**
   * The pull-back of a gated dense layer: dp = dy ⊙ slope, dw = hᵀ·dp, db = Σ_rows dp, with h [rows, m],
   * dy, slope, dp [rows, n], dw [m, n], db [n] at byte offsets (see dense_pullback.ts).
   */
  layerGrad(h: number, dy: number, slope: number, dp: number, dw: number, db: number, rows: number, m: number, n: number): void;
}

/** What the kernels use of tfjs-backend-wasm's backend object (duck-typed: networks does not depend on it). */
export interface WasmHeapBackend {
  /**
   * The Emscripten module: the heap is its `wasmMemory` (tfjs-backend-wasm 4.x's threaded build, a
   * shared memory) or its `asm.memory` (the single-threaded builds).
   */
  readonly wasm?: { readonly wasmMemory?: WasmMemory; readonly asm?: { readonly memory?: WasmMemory } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * The WebAssembly API as used here (the global of Node and browsers; the package compiles against
 * ES2022 without the DOM's declarations).
 */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
declare const WebAssembly: {
  readonly Memory: abstract new (...args: never[]) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
};
declare function atob(data: string): string;

/** The compiled modules, for a plain and for a shared heap (compiled on first use). */
const compiled: { plain?: object; shared?: object } = {};
/** One instance per backend object (a worker thread has its own backend, heap and instance); null: unavailable. */
const instances = new WeakMap<object, WasmKernels | null>();

const decode = (base64: string): Uint8Array => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/**
 * The kernels instantiated on `backend`'s heap, or null where they cannot run: a backend that is not
 * tfjs-backend-wasm 4.x (no heap found), a runtime without WebAssembly SIMD, or a browser's main
 * thread that refuses a synchronous compile of this size (4.3 KB). The callers then run tfjs's own
 * kernels. tfjs's threaded build (a shared heap) gets the same module built for a shared memory.
 * Instantiated once per backend, synchronously.
 */
export function wasmKernelsOf(backend: unknown): WasmKernels | null {
  if (typeof backend !== 'object' || backend === null) return null;
  const known = instances.get(backend);
  if (known !== undefined) return known;
  let kernels: WasmKernels | null = null;
  const wasm = (backend as WasmHeapBackend).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (memory instanceof WebAssembly.Memory) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    try {
      const module = shared ? (compiled.shared ??= new WebAssembly.Module(decode(wasmKernelsSharedBase64))) : (compiled.plain ??= new WebAssembly.Module(decode(wasmKernelsBase64)));
      kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmKernels;
    } catch {
      kernels = null; // no SIMD, a refused compile, or a heap the import does not match: tfjs's kernels instead
    }
  }
  instances.set(backend, kernels);
  return kernels;
}

/**
 * Whether DiffFlow's own wasm kernels (the fused gate and dense pull-back of the Fourier MLP) run on
 * tfjs's current backend: true on the wasm backend where they instantiate (see the networks README,
 * "DiffFlow's own wasm kernels"); false on other backends, where tfjs's ops run.
 */
export function wasmKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && wasmKernelsOf(tf.backend()) !== null;
}

/**
 * Whether a function may hand these tensors to DiffFlow's wasm kernels: all float32, the kernels
 * active ({@link wasmKernelsActive}), and no gradient tape recording (the kernels have no gradients).
 */
export function wasmKernelsApply(tensors: readonly tf.Tensor[]): boolean {
  return tensors.every((t) => t.dtype === 'float32') && tf.engine().state.gradientDepth === 0 && wasmKernelsActive();
}

/** The byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmHeapBackend, t: tf.TensorInfo): number {
  return backend.typedArrayFromHeap(t).byteOffset;
}
