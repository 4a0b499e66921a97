import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './select_backend.js';

/** An importer with the native packages missing, as on a machine without tfjs-node. */
const offline = (specifier: string): Promise<unknown> =>
  specifier.startsWith('@tensorflow/tfjs-node') ? Promise.reject(new Error(`Cannot find package '${specifier}'`)) : import(specifier);

describe('selectBackend', () => {
  it('falls back to wasm when no native package loads, and says so', async () => {
    const info = await selectBackend({ importer: offline, quiet: true, prefer: '' });
    expect(info).toMatchObject({ name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('honours an explicit choice', async () => {
    expect((await selectBackend({ importer: offline, quiet: true, prefer: 'cpu' })).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    await selectBackend({ importer: offline, quiet: true, prefer: 'wasm' });
  });

  it('rejects an unknown name, listing the allowed ones', async () => {
    await expect(selectBackend({ importer: offline, quiet: true, prefer: 'gpu' })).rejects.toThrow(
      /DIFFFLOW_BACKEND must be one of tensorflow, wasm, cpu; got 'gpu'/,
    );
  });

  it('fails loudly when the native backend is asked for but not installed', async () => {
    await expect(selectBackend({ importer: offline, quiet: true, prefer: 'tensorflow' })).rejects.toThrow(/npm i @tensorflow\/tfjs-node/);
  });
});
