import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultBatchedScoreBytes, defaultDriftCacheBytes } from './adjoint.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('states the drift cache default the code uses (defaultDriftCacheBytes)', () => {
    // "defaultDriftCacheBytes = N MiB", "default N MiB" in the drift-cache paragraph
    const stated = [...readme.matchAll(/defaultDriftCacheBytes\s*=\s*(\d+) MiB|driftCacheBytes`?,? default (\d+) MiB/g)].map((m) => Number(m[1] ?? m[2]));
    expect(stated.length, 'the README states the default').toBeGreaterThan(0);
    for (const mib of stated) expect(mib * 2 ** 20).toBe(defaultDriftCacheBytes);
  });

  it('states the batched score pass default the code uses (defaultBatchedScoreBytes)', () => {
    const stated = [...readme.matchAll(/defaultBatchedScoreBytes\s*=\s*(\d+) MiB|batchedScoreBytes`?,? default (\d+) MiB/g)].map((m) => Number(m[1] ?? m[2]));
    expect(stated.length, 'the README states the default').toBeGreaterThan(1);
    for (const mib of stated) expect(mib * 2 ** 20).toBe(defaultBatchedScoreBytes);
  });
});
