import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { parallelFrom } from './sample.js';

const root = new URL('../../../../', import.meta.url).pathname;
const cli = join(root, 'packages/experiments/toy2d/src/cli.ts');

function toy2d(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DIFFFLOW_BACKEND: 'wasm' },
    timeout: 120_000,
  });
  return { status: r.status, stderr: r.stderr };
}

describe('toy2d sample on two threads (command line, tiny model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy2d-sample-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('draws the same samples, byte for byte, split across two threads as on one (same seed)', () => {
    const run = join(dir, 'run');
    const train = toy2d(['train', '--iters=2', '--batchSize=32', '--steps=3', '--hidden=8', '--layers=1', '--samples=16', '--workers=1', `--out=${run}`]);
    expect(train.status, train.stderr).toBe(0);
    const n = parallelFrom;
    const out = (w: number): string => join(dir, `s${w}`);
    for (const w of [2, 1]) {
      const r = toy2d(['sample', `--run=${run}`, `--n=${n}`, '--steps=4', `--workers=${w}`, `--out=${out(w)}`]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out(w), 'summary.json'), 'utf8')).threads).toBe(w);
    }
    expect(readFileSync(join(out(2), 'samples.npy')).equals(readFileSync(join(out(1), 'samples.npy')))).toBe(true);
    // below parallelFrom one thread draws them (a worker's start-up would cost more than it saves)
    const few = toy2d(['sample', `--run=${run}`, '--n=10', '--steps=4', '--workers=2', `--out=${join(dir, 'few')}`]);
    expect(few.status, few.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'few', 'summary.json'), 'utf8')).threads).toBe(1);
  }, 180_000);
});
