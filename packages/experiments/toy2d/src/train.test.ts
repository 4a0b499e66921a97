import { mkdtempSync, readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, runScript, type Ran } from '@diffflow/test-utils';
import * as E from 'fp-ts/lib/Either.js';
import { decodeNpyArray } from '@diffflow/datasets';
import { parallelFrom } from './sample.js';

function npy(path: string): { shape: number[]; dtype: string } {
  const r = decodeNpyArray(readFileSync(path), path);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return { shape: [...r.right.shape], dtype: r.right.dtype };
}

const cli = join(repoRoot, 'packages/experiments/toy2d/src/cli.ts');
const tiny = ['--iters=4', '--batchSize=32', '--steps=3', '--hidden=8', '--layers=1', '--samples=64', '--checkpointEvery=2'];

const toy2d = (args: readonly string[]): Ran => runScript(cli, args);

describe('toy2d command line (end to end, tiny budget)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy2d-'));
  const out = join(dir, 'run');

  it('trains and writes the whole run folder', () => {
    const r = toy2d(['train', ...tiny, `--out=${out}`]);
    expect(r.stderr).toMatch(/backend: wasm/);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'samples.npy', 'samples.png', 'data.png', 'trajectory.png', 'checkpoint.bin']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(npy(join(out, 'samples.npy'))).toEqual({ shape: [64, 2], dtype: 'float32' });
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ seed: 0, dataset: 'checkerboard', iters: 4, backend: { name: 'wasm' } });
  });

  it('refuses to overwrite a run, and resumes to the same weights as an uninterrupted run', () => {
    const before = readFileSync(join(out, 'checkpoint.bin'));
    const again = toy2d(['train', ...tiny, `--out=${out}`]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^error: .*run/m);
    expect(readFileSync(join(out, 'checkpoint.bin')).equals(before)).toBe(true);

    const straight = join(dir, 'straight');
    expect(toy2d(['train', ...tiny, '--iters=6', `--out=${straight}`]).status).toBe(0);
    const resumed = toy2d(['train', ...tiny, '--iters=6', '--resume', `--out=${out}`]);
    expect(resumed.status, resumed.stderr).toBe(0);
    // same bytes apart from the header's metadata: compare the payload tensors via the sampler output
    const a = readFileSync(join(straight, 'samples.npy'));
    const b = readFileSync(join(out, 'samples.npy'));
    expect(b.equals(a)).toBe(true);
  });

  it('trains on one thread (--workers=1) to the two-thread run up to float32 summation order; the summary has the inside fraction', () => {
    // the runs above use the default --workers=2 (a dataParallel pool: this thread and a worker, one half of the batch each)
    const one = join(dir, 'one-thread');
    const r = toy2d(['train', ...tiny, '--iters=6', '--workers=1', `--out=${one}`]);
    expect(r.status, r.stderr).toBe(0);
    const a = decodeNpyArray(readFileSync(join(dir, 'straight', 'samples.npy')), 'two threads');
    const b = decodeNpyArray(readFileSync(join(one, 'samples.npy')), 'one thread');
    if (E.isLeft(a) || E.isLeft(b)) throw new Error('samples.npy did not decode');
    const [x, y] = [a.right.data as Float32Array, b.right.data as Float32Array];
    let worst = 0;
    x.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (y[i] as number)))));
    expect(worst).toBeGreaterThan(0); // two threads sum the shards' gradients in another order
    expect(worst).toBeLessThanOrEqual(1e-4);
    const summary = JSON.parse(readFileSync(join(one, 'summary.json'), 'utf8'));
    expect(summary.threads).toBe(1);
    expect(summary.insideSupport).toBeGreaterThanOrEqual(0);
    expect(summary.insideSupport).toBeLessThanOrEqual(1);
    expect(r.stderr).toMatch(/% inside the support/);
  });

  it('samples from a checkpoint into samples.npy in dataset coordinates', () => {
    const r = toy2d(['sample', `--run=${out}`, '--n=100', '--steps=3', `--out=${join(dir, 'sampled')}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(npy(join(dir, 'sampled', 'samples.npy')).shape).toEqual([100, 2]);
    const summary = JSON.parse(readFileSync(join(dir, 'sampled', 'summary.json'), 'utf8')) as { insideSupport: number };
    expect(summary.insideSupport).toBeGreaterThanOrEqual(0);
    expect(summary.insideSupport).toBeLessThanOrEqual(1);
    expect(r.stderr).toMatch(/% inside the support/);
  });

  it.each([
    [['--dataset=nope'], /dataset/],
    [['--steps=0'], /steps/],
    [['--T=0'], /\bT\b/],
    [['--beta=-1'], /beta/],
    [['--g=-0.1'], /\bg\b/],
    [['--batchSize=0'], /batch/],
    [['--iters=abc'], /iters/],
    [['--bogus=1'], /bogus/],
    [['--sampler=heun', '--snr=0.2'], /option '--snr': is not a setting of sampler 'heun'/],
    [['--order=4'], /option '--order': must be an integer from 1 to 3/],
  ])('rejects %s with one clear line, exit 2, nothing written', (args, pattern) => {
    const target = join(dir, `bad-${readdirSync(dir).length}`);
    const r = toy2d(['train', ...tiny, ...args, `--out=${target}`]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(existsSync(target)).toBe(false);
  });

  it("draws its final samples with the sampler settings given as flags: the same bytes as toy2d:sample with those settings", () => {
    const run = join(dir, 'settings');
    const r = toy2d(['train', ...tiny, '--sampleLambda=1', '--denoise=false', `--out=${run}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).sampler).toEqual({ name: 'euler-maruyama', settings: { denoise: false, lambda: 1 } });
    const again = join(dir, 'settings-sample');
    const s = toy2d(['sample', `--run=${run}`, '--lambda=1', '--denoise=false', `--out=${again}`]);
    expect(s.status, s.stderr).toBe(0);
    expect(readFileSync(join(again, 'samples.npy')).equals(readFileSync(join(run, 'samples.npy')))).toBe(true);
    // with the Tweedie step (the default) the samples differ: the flag arrived
    const tweedie = join(dir, 'settings-tweedie');
    expect(toy2d(['sample', `--run=${run}`, '--lambda=1', `--out=${tweedie}`]).status).toBe(0);
    expect(readFileSync(join(tweedie, 'samples.npy')).equals(readFileSync(join(run, 'samples.npy')))).toBe(false);
  });

  it('refuses an output folder holding files that are not a run', () => {
    const foreign = join(dir, 'foreign');
    execFileSync('mkdir', ['-p', foreign]);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const r = toy2d(['train', ...tiny, `--out=${foreign}`]);
    expect(r.status).toBe(2);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
  });
});

describe('toy2d sample on two threads (command line, tiny model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy2d-sample-'));

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
