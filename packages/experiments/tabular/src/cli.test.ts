import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { repoRoot, runScript, type Ran } from '@diffflow/test-utils';
import * as E from 'fp-ts/lib/Either.js';
import { runCli as runner } from '@diffflow/cli';
import { decodeCheckpoint } from '@diffflow/runs';
import { decodeNpyArray } from '@diffflow/datasets';
import { tabularMain } from './commands.js';

const cli = join(repoRoot, 'packages/experiments/tabular/src/cli.ts');
const MAF = join(repoRoot, 'test-data/datasets/maf');
/** In-process runs keep the backend the test suite runs on (selectBackend reads DIFFFLOW_BACKEND). */
const backend = process.env['DIFFFLOW_TEST_BACKEND'] ?? 'wasm';
const tiny = ['--iters=4', '--batchSize=32', '--steps=3', '--hidden=8', '--layers=1', '--validEvery=2', '--validRows=100', '--checkpointEvery=2'];

/** The real entry point in a child process (what the Nx targets run); slow to start, so used once. */
const spawnCli = (args: readonly string[]): Ran => runScript(cli, args);

class Exit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/** The same commands in this process, through the same runner: process.exit becomes an exception, stdout/stderr are captured. */
async function runCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = process.env['DIFFFLOW_BACKEND'];
  process.env['DIFFFLOW_BACKEND'] = backend;
  const spies = [
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Exit(code ?? 0);
    }) as never),
    vi.spyOn(process.stdout, 'write').mockImplementation(((s: string | Uint8Array) => out.push(String(s)) > 0) as never),
    vi.spyOn(process.stderr, 'write').mockImplementation(((s: string | Uint8Array) => err.push(String(s)) > 0) as never),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(`${a.join(' ')}\n`)),
  ];
  try {
    await runner(tabularMain, args);
    return { status: 0, stdout: out.join(''), stderr: err.join('') };
  } catch (e) {
    if (e instanceof Exit) return { status: e.code, stdout: out.join(''), stderr: err.join('') };
    throw e;
  } finally {
    for (const s of spies) s.mockRestore();
    if (saved === undefined) delete process.env['DIFFFLOW_BACKEND'];
    else process.env['DIFFFLOW_BACKEND'] = saved;
  }
}

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const evalDir = (run: string): string => {
  const dirs = readdirSync(run).filter((d) => d.startsWith('eval-'));
  expect(dirs).toHaveLength(1);
  return join(run, dirs[0]!);
};

describe('tabular command line (end to end, tiny budget)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tabular-'));

  it('synthetic: `train` writes the run folder and `eval` the test NLL beside the truth', async () => {
    const out = join(dir, 'synthetic');
    const r = await runCli(['train', ...tiny, `--out=${out}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`backend: ${backend}`);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'checkpoint.bin']) expect(existsSync(join(out, f)), f).toBe(true);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.iteration)).toEqual([0, 1, 2, 3]);
    expect(lines[1].validation.iteration).toBe(2);
    expect(Number.isFinite(lines[1].validation.negativeElbo)).toBe(true);
    const summary = json(join(out, 'summary.json'));
    expect(summary).toMatchObject({ dataset: 'synthetic', dim: 6, iterations: 4, validationRows: 100 });
    expect(summary.validationNegativeElbo).toBeGreaterThan(5);
    expect(summary.validationNegativeElbo).toBeLessThan(20);
    expect(json(join(out, 'config.json'))).toMatchObject({ dataset: 'synthetic', iters: 4, hidden: 8, backend: { name: backend }, rows: { train: 20000 } });

    const ev = await runCli(['eval', `--run=${out}`, '--n=100']);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/DiffFlow-TS \(ODE\)/);
    expect(ev.stdout).toMatch(/true density, same test rows/);
    const folder = evalDir(out);
    const result = json(join(folder, 'eval.json'));
    expect(result).toMatchObject({ dataset: 'synthetic', n: 100, dim: 6, checkpointIteration: 4, settings: { trace: 'exact', solver: 'rk45' } });
    const nll = decodeNpyArray(readFileSync(join(folder, 'nll.npy')), 'nll.npy');
    if (E.isLeft(nll)) throw new Error('nll.npy');
    expect(nll.right.shape).toEqual([100]);
    const mean = Array.from(nll.right.data as Float32Array).reduce((a, b) => a + b, 0) / 100;
    expect(Math.abs(mean - result.nll.nats)).toBeLessThan(1e-3);
    expect(Math.abs(result.truth.gap - (result.nll.nats - result.truth.testNll))).toBeLessThan(1e-3);
    expect(readFileSync(join(folder, 'results.csv'), 'utf8')).toMatch(/^synthetic,truth,"true density, entropy",9\.171/m);
  });

  it('resuming gives the weights, Adam state and EMA of an uninterrupted run, bit for bit', async () => {
    const straight = join(dir, 'straight');
    const resumed = join(dir, 'resumed');
    expect((await runCli(['train', ...tiny, `--out=${straight}`])).status).toBe(0);
    expect((await runCli(['train', ...tiny, '--iters=2', `--out=${resumed}`])).status).toBe(0);
    const again = await runCli(['train', ...tiny, '--iters=2', `--out=${resumed}`]);
    expect(again.status).toBe(2);
    expect(errorLines(again.stderr)[0]).toMatch(/already holds this run; use --resume/);
    const r = await runCli(['train', ...tiny, '--resume', `--out=${resumed}`]);
    expect(r.status, r.stderr).toBe(0);
    const load = (run: string) => {
      const c = decodeCheckpoint(readFileSync(join(run, 'checkpoint.bin')), run);
      if (E.isLeft(c)) throw new Error(JSON.stringify(c.left));
      return c.right;
    };
    const a = load(straight);
    const b = load(resumed);
    expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
    for (const [name, t] of Object.entries(a.tensors)) expect(Array.from(b.tensors[name]!.data), name).toEqual(Array.from(t.data));
    expect(b.meta['iteration']).toBe(4);
    expect((b.meta['validation'] as { iteration: number }[]).map((v) => v.iteration)).toEqual([2, 4]);
  });

  it('`sample` draws rows by the sampler named, in dataset coordinates; a bad sampler flag is one line, exit 2, nothing written', async () => {
    const run = join(dir, 'straight'); // trained by the test above
    const heun = join(dir, 'sample-heun');
    const r = await runCli(['sample', `--run=${run}`, '--sampler=heun', '--n=50', '--steps=4', `--out=${heun}`]);
    expect(r.status, r.stderr).toBe(0);
    const npy = decodeNpyArray(readFileSync(join(heun, 'samples.npy')), 'samples.npy');
    if (E.isLeft(npy)) throw new Error('samples.npy');
    expect(npy.right.shape).toEqual([50, 6]);
    const summary = json(join(heun, 'summary.json'));
    expect(summary).toMatchObject({ dataset: 'synthetic', n: 50, dim: 6, steps: 4, seed: 0, checkpointIteration: 4, sampler: { name: 'heun' } });
    expect(summary.train.mean).toHaveLength(6);
    // the default sampler (euler-maruyama), by default into <run>/sample-…: other rows than heun's
    const em = await runCli(['sample', `--run=${run}`, '--n=50', '--steps=4']);
    expect(em.status, em.stderr).toBe(0);
    const emDir = join(run, 'sample-n50-N4-lambda0-seed0');
    expect(readFileSync(join(emDir, 'samples.npy')).equals(readFileSync(join(heun, 'samples.npy')))).toBe(false);
    for (const [args, pattern] of [
      [['--sampler=heun', '--snr=0.2'], /^error: option '--snr': is not a setting of sampler 'heun'/],
      [['--sampler=bogus'], /^error: option '--sampler'.*euler-maruyama/],
      [['--order=9', '--sampler=dpm-solver'], /^error: option '--order': must be an integer from 1 to 3/],
      [['--sampler=dpm-solver'], /^error: option '--sampler'.*dpm-solver/],
      [['--workers=2'], /^error: .*--workers/],
    ] as const) {
      const target = join(dir, `bad-sample-${readdirSync(dir).length}`);
      const bad = await runCli(['sample', `--run=${run}`, ...args, `--out=${target}`]);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(errorLines(bad.stderr), args.join(' ')).toHaveLength(1);
      expect(errorLines(bad.stderr)[0], args.join(' ')).toMatch(pattern);
      expect(existsSync(target), args.join(' ')).toBe(false);
    }
    const noRun = await runCli(['sample', `--run=${join(dir, 'nothing')}`]);
    expect(noRun.status).toBe(2);
    expect(errorLines(noRun.stderr)[0]).toMatch(/no trained run in .*nothing.*tabular:train/);
  });

  it('POWER from the MAF release fixture through --data: train, then eval beside Table 1', async () => {
    const out = join(dir, 'power');
    const r = await runCli(['train', '--dataset=power', `--data=${MAF}`, ...tiny, `--out=${out}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(json(join(out, 'summary.json'))).toMatchObject({ dataset: 'power', dim: 6 });
    expect(json(join(out, 'config.json')).rows).toEqual({ train: 243, validation: 27, test: 30 });
    const ev = await runCli(['eval', `--run=${out}`, '--solver=rk4', '--trace=hutchinson', '--probes=2']);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/paper\s+DiffFlow \(ODE\)\s+-1\.0400/);
    const result = json(join(evalDir(out), 'eval.json'));
    expect(result).toMatchObject({ dataset: 'power', n: 30, settings: { trace: 'hutchinson', probes: 2, solver: 'rk4' }, truth: null });
    expect(Number.isFinite(result.nll.nats)).toBe(true);
  });

  it('a missing dataset file: one line naming the file, where it looked and how to get it; exit 2; nothing written (real entry point)', () => {
    const out = join(dir, 'missing');
    const r = spawnCli(['train', '--dataset=hepmass', '--data=/nonexistent/maf', `--out=${out}`]);
    expect(r.status).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/"\/nonexistent\/maf\/hepmass\/1000_train\.csv"/);
    expect(lines[0]).toMatch(/looked in .*1000_test\.csv.*test\.npy/);
    expect(lines[0]).toMatch(/zenodo\.org\/record\/1161203/);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['train', '--dataset=powr'], /dataset.*'synthetic'.*got 'powr'/],
    [['train', '--dataset=miniboone', '--data=/nonexistent'], /not found: "\/nonexistent\/miniboone\/data\.npy"/],
    [['train', '--layers=4'], /layers.*from 0 to 3/],
    [['train', '--g=0'], /\bg\b.*> 0/],
    [['train', '--T=-1'], /\bT\b/],
    [['train', '--batchSize=0'], /batch/],
    [['train', '--strategy=magic'], /strategy/],
    [['train', '--iter=5'], /unknown option '--iter'; did you mean '--iters'/],
    [['eval', '--trace=bogus'], /--trace.*'auto', 'exact', 'hutchinson'/],
    [['eval', '--n=0'], /--n\b/],
    [['eval', '--run=/nonexistent/run'], /\/nonexistent\/run\/checkpoint\.bin.*tabular:train/],
    [['fit'], /unknown command 'fit'/],
  ])('rejects %s with one error line and exit 2, writing nothing', async (args, pattern) => {
    const out = join(dir, `bad-${readdirSync(dir).length}`);
    const r = await runCli([...args, ...(args[0] === 'train' ? [`--out=${out}`] : [])]);
    expect(r.status).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(existsSync(out)).toBe(false);
  });
});
