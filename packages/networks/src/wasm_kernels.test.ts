import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wasmKernelsOf } from './wasm_kernels.js';

/** The WebAssembly global (the package compiles without the DOM's declarations). */
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: object) => object } }).WebAssembly;

describe('wasm kernels', () => {
  it('wasm_kernels_binary.ts is wasm_kernels.wat compiled (scripts/build_wasm_kernels.mjs --check)', () => {
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
  });

  it('are unavailable (null, so tfjs\'s kernels run) without a wasm heap, or on a shared one', () => {
    expect(wasmKernelsOf(null)).toBeNull();
    expect(wasmKernelsOf({})).toBeNull();
    expect(wasmKernelsOf({ wasm: { asm: { memory: { buffer: new ArrayBuffer(8) } } } })).toBeNull(); // not a WebAssembly.Memory
    const shared = new Memory({ initial: 1, maximum: 2, shared: true });
    expect(wasmKernelsOf({ wasm: { asm: { memory: shared } } })).toBeNull();
    const plain = new Memory({ initial: 1 });
    expect(wasmKernelsOf({ wasm: { asm: { memory: plain } } })).not.toBeNull();
  });
});
