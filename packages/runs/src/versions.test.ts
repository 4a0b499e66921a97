import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { installedVersion, packageVersions } from './versions.js';

const ownVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('packageVersions', () => {
  it('records the installed @diffflow packages, tfjs-core, the backends present and node', () => {
    const v = packageVersions();
    expect(v['@diffflow/runs']).toBe(ownVersion);
    expect(v['@diffflow/training']).toMatch(/^\d+\.\d+\.\d+/);
    expect(v['@diffflow/sde-core']).toMatch(/^\d+\.\d+\.\d+/);
    expect(v['@tensorflow/tfjs-core']).toBe('4.22.0');
    expect(v['@tensorflow/tfjs-backend-cpu']).toBe('4.22.0');
    expect(v['@tensorflow/tfjs-backend-wasm']).toBe('4.22.0');
    expect(v['node']).toBe(process.version);
    for (const value of Object.values(v)) expect(typeof value).toBe('string');
  });

  it('leaves out packages that are not installed', () => {
    expect(installedVersion('@diffflow/does-not-exist')).toBeUndefined();
    expect('@tensorflow/tfjs-node-gpu' in packageVersions()).toBe(installedVersion('@tensorflow/tfjs-node-gpu') !== undefined);
  });

  it('finds the version of packages whose exports map hides package.json (npyjs)', () => {
    expect(installedVersion('npyjs')).toBe('1.2.0');
  });
});
