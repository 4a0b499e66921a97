import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExperimentFailure, samplerSettings } from '@diffflow/cli';
import { suiteTempDir } from '@diffflow/test-utils';
import { defaultSampleOut, openSampleDir } from './sample_dir.js';

const root = suiteTempDir('diffflow-sample-dir-');
const settings = (flags: Parameters<typeof samplerSettings>[0] = {}) => samplerSettings(flags, { n: 100, steps: 30, seed: 0 });

describe('openSampleDir', () => {
  it('names the default folder by n, N, the sampler label and the seed', () => {
    expect(defaultSampleOut('/r', settings())).toBe('/r/sample-n100-N30-lambda0-seed0');
    expect(defaultSampleOut('/r', settings({ sampler: 'heun', n: 5, steps: 8, seed: 3 }))).toBe('/r/sample-n5-N8-heun-seed3');
  });

  it('writes config.json with run, the extra keys, then the settings, in that order', async () => {
    const run = `${root}/run-a`;
    const { dir, label, identity } = await openSampleDir(run, undefined, settings({ lambda: 1 }), { iteration: 7 });
    expect(dir.path).toBe(`${run}/sample-n100-N30-lambda1-seed0`);
    expect(label).toBe('lambda1');
    const stored = JSON.parse(readFileSync(`${dir.path}/config.json`, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(stored)).toEqual(['run', 'iteration', 'n', 'steps', 'lambda', 'seed', 'denoise', 'sampler']);
    expect(stored).toEqual(identity);
    expect(stored['sampler']).toEqual({ name: 'euler-maruyama', settings: { lambda: 1 } });
  });

  it('reopens its own folder with the same settings and refuses another sampling in it', async () => {
    const out = `${root}/same`;
    await openSampleDir('/runs/x', out, settings());
    await expect(openSampleDir('/runs/x', out, settings())).resolves.toBeDefined();
    await expect(openSampleDir('/runs/x', out, settings({ n: 101 }))).rejects.toBeInstanceOf(ExperimentFailure);
  });

  it('refuses a folder holding files that are not a run’s, writing nothing', async () => {
    const out = `${root}/foreign`;
    mkdirSync(out);
    writeFileSync(`${out}/notes.txt`, 'mine');
    await expect(openSampleDir('/runs/x', out, settings())).rejects.toThrow(/notes\.txt|another|not/);
    expect(() => readFileSync(`${out}/config.json`)).toThrow();
  });
});
