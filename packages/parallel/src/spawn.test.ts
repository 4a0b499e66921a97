import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startModuleWorker } from './spawn.js';

describe('startModuleWorker', () => {
  it('starts the TypeScript entry next to a .ts module (tsx inside the worker, workspace packages from sources)', async () => {
    const worker = startModuleWorker(import.meta.url, './spawn.fixture', { workerData: { n: 7 } });
    const [message] = (await once(worker, 'message')) as [{ workerData: unknown; sdeCore: string; typescript: boolean }];
    expect(message.workerData).toEqual({ n: 7 });
    expect(message.typescript).toBe(true);
    expect(message.sdeCore).toMatch(/sde-core\/src\/index\.ts$/);
    await worker.terminate();
  }, 60_000);

  it('names the entry it refuses: an absolute path or one with an extension', () => {
    expect(() => startModuleWorker(import.meta.url, 'spawn.fixture')).toThrow(/entry must be a relative path without extension/);
    expect(() => startModuleWorker(import.meta.url, './spawn.fixture.ts')).toThrow(/got '\.\/spawn\.fixture\.ts'/);
  });
});
