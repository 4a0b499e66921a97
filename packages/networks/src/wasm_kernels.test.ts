import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wasmKernelsActive, wasmKernelsOf, type WasmKernels } from './wasm_kernels.js';

/** The WebAssembly global (the package compiles without the DOM's declarations). */
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: object) => { buffer: ArrayBufferLike } } }).WebAssembly;

describe('wasm kernels', () => {
  it('wasm_kernels_binary.ts is what scripts/build_wasm_kernels.mjs compiles (--check)', () => {
    const script = fileURLToPath(new URL('../scripts/build_wasm_kernels.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('instantiate on the wasm backend\'s heap, once per backend', () => {
    if (tf.getBackend() !== 'wasm') return;
    const kernels = wasmKernelsOf(tf.backend());
    expect(kernels).not.toBeNull();
    expect(wasmKernelsOf(tf.backend())).toBe(kernels);
    expect(typeof kernels?.gate).toBe('function');
    expect(typeof kernels?.layerGrad).toBe('function');
    expect(wasmKernelsActive()).toBe(true);
  });

  it('are unavailable (null, so tfjs\'s kernels run) without a wasm heap', () => {
    expect(wasmKernelsOf(null)).toBeNull();
    expect(wasmKernelsOf({})).toBeNull();
    expect(wasmKernelsOf({ wasm: { asm: { memory: { buffer: new ArrayBuffer(8) } } } })).toBeNull(); // not a WebAssembly.Memory
  });

  it('run on a shared heap (tfjs\'s threaded build keeps it as wasmMemory) with the same bits as on a plain one', () => {
    const plainMemory = new Memory({ initial: 1 });
    const sharedMemory = new Memory({ initial: 1, maximum: 65536, shared: true });
    const plain = wasmKernelsOf({ wasm: { asm: { memory: plainMemory } } });
    const shared = wasmKernelsOf({ wasm: { wasmMemory: sharedMemory } });
    expect(plain).not.toBeNull();
    expect(shared).not.toBeNull();
    // x at 0, value at 4 KiB, derivative at 8 KiB; layerGrad: h, dy, slope, dp, dw, db further on
    const run = (memory: { buffer: ArrayBufferLike }, kernels: WasmKernels): Float32Array => {
      const heap = new Float32Array(memory.buffer);
      for (let i = 0; i < 1024; i++) heap[i] = 30 * Math.sin(i * 0.37);
      for (let i = 0; i < 3 * 96; i++) heap[3072 + i] = Math.cos(i * 0.11);
      kernels.gate(0, 4096, 8192, 1000, 1.702);
      kernels.layerGrad(3072 * 4, (3072 + 96) * 4, (3072 + 192) * 4, 4000 * 4, 4200 * 4, 4400 * 4, 12, 8, 8);
      return Float32Array.from(heap.subarray(0, 4500));
    };
    const a = run(plainMemory, plain as WasmKernels);
    const b = run(sharedMemory, shared as WasmKernels);
    expect(Array.from(new Uint32Array(b.buffer))).toEqual(Array.from(new Uint32Array(a.buffer)));
  });
});
