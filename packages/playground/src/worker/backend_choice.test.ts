import { describe, expect, it } from 'vitest';
import { chooseBackend, isSoftwareRenderer } from './backend_choice.js';

const swiftshader = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';

describe('isSoftwareRenderer', () => {
  it('knows the software rasterisers and not real GPUs', () => {
    expect(isSoftwareRenderer(swiftshader)).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)')).toBe(false);
    expect(isSoftwareRenderer('Apple M2')).toBe(false);
    expect(isSoftwareRenderer(undefined)).toBe(false);
  });
});

describe('chooseBackend', () => {
  it('rules out a software-rendered WebGL and says so', () => {
    const c = chooseBackend([{ name: 'webgl', renderer: swiftshader }, { name: 'wasm', ms: 3 }, { name: 'cpu' }]);
    expect(c.name).toBe('wasm');
    expect(c.reason).toBe('WebGL is software-rendered here (SwiftShader); using wasm');
  });

  it('picks the fastest of the timed hardware backends and gives the times', () => {
    const c = chooseBackend([{ name: 'webgpu', renderer: 'Apple M2', ms: 4.2 }, { name: 'webgl', renderer: 'Apple M2', ms: 1.5 }, { name: 'wasm', ms: 2 }]);
    expect(c).toEqual({ name: 'webgl', reason: 'measured WebGPU 4.2 ms, WebGL 1.5 ms, wasm 2.0 ms per step; using WebGL' });
    expect(chooseBackend([{ name: 'webgl', renderer: 'NVIDIA', ms: 9 }, { name: 'wasm', ms: 2 }]).name).toBe('wasm');
  });

  it('falls back to the list order when nothing was timed, and to the software renderer when it is all there is', () => {
    expect(chooseBackend([{ name: 'wasm' }, { name: 'cpu' }]).name).toBe('wasm');
    expect(chooseBackend([{ name: 'webgl', renderer: swiftshader }])).toEqual({ name: 'webgl', reason: 'using WebGL' });
    expect(() => chooseBackend([])).toThrow(/at least one/);
  });
});
