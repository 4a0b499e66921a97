import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { lenet, lenetPresets, saveClassifier } from '@diffflow/metrics';
import { readNpy } from '@diffflow/runs';
import { decodePng } from '@diffflow/figures';
import { runScript, runScriptAsync } from '@diffflow/test-utils';

const cli = 'packages/experiments/images/src/cli.ts';
const compare = (args: readonly string[]) => runScript(cli, ['compare', ...args], { timeout: 240_000 });
const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));
const jsonLines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('images compare (end to end through the CLI, --quick)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'images-compare-'));
  const classifier = join(dir, 'classifier');
  const out = join(dir, 'run');

  beforeAll(async () => {
    // an untrained LeNet on the presets' split stands in for images:classifier's artifact: FD-LeNet
    // is then a finite number that measures nothing, enough to test the plumbing
    const net = lenet(lenetPresets.mnist32, 0);
    const saved = await saveClassifier(classifier, net, { split: { data: 'mnist', dataDir: '', size: 32, fit: 'auto', heldOut: 2000, seed: 0 } })();
    net.dispose();
    if (E.isLeft(saved)) throw new Error(saved.left.path);
  });

  it('trains DiffFlow and DDPM, samples both at each N, writes the table, the figure and finite numbers', async () => {
    const r = compare(['--quick', `--classifier=${classifier}`, `--out=${out}`]);
    expect(r.status, r.stderr).toBe(0);
    // the printed table: one line per N, the floor below
    expect(r.stdout).toMatch(/Table 4 on mnist: FD-LeNet/);
    expect(r.stdout).toMatch(/^\|\s+2 \|.*\|$/m);
    expect(r.stdout).toMatch(/^\|\s+3 \|.*\|$/m);
    expect(r.stdout).toMatch(/floor \(8 training images vs 2000 held-out\)/);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'table.txt', 'samples-per-N.png', 'ddpm/checkpoint.bin', 'ddpm/metrics.jsonl', 'diffflow/checkpoint.bin', 'diffflow/samples.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const rows = jsonLines(join(out, 'metrics.jsonl'));
    expect(rows.map((m) => [m['model'], m['steps']])).toEqual([['diffflow', 2], ['diffflow', 3], ['ddpm', 2], ['ddpm', 3]]);
    for (const m of rows) {
      expect(Number.isFinite(m['fd']) && (m['fd'] as number) >= 0, JSON.stringify(m)).toBe(true);
      expect(m['samples']).toBe(8);
    }
    const npy = await readNpy(join(out, 'samples', 'ddpm-N3.npy'))();
    expect(E.isRight(npy) && npy.right.shape).toEqual([8, 32, 32, 1]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ quick: true, diffflowTrainedHere: true, sampleSteps: [2, 3], unet: { preset: 'tiny', size: 32 } });
    // the budget: DiffFlow's 3 warm-up + 2 trajectory-KL iterations, DDPM at least the warm-up's 3
    expect(summary.budget.diffflow).toMatchObject({ warmupIterations: 3, klIterations: 2, iterations: 5 });
    expect(summary.budget.ddpm.iterations).toBeGreaterThanOrEqual(3);
    expect(summary.budget.ddpm.source).toBe('budget');
    expect(Number.isFinite(summary.floor.fd)).toBe(true);
    // DDPM is DiffFlow's score warm-up continued: its first 3 iterations are the warm-up's, loss for loss
    const warmup = (path: string) => jsonLines(path).filter((m) => m['phase'] === 'score-warmup').slice(0, 3).map((m) => m['objective'] as number);
    const ddpmLosses = warmup(join(out, 'ddpm', 'metrics.jsonl'));
    const diffflowLosses = warmup(join(out, 'diffflow', 'metrics.jsonl'));
    expect(ddpmLosses).toHaveLength(3);
    ddpmLosses.forEach((l, k) => expect(Math.abs(l - (diffflowLosses[k] as number)), `iteration ${k}`).toBeLessThanOrEqual(1e-6 * Math.abs(l)));
    // rows = N under a title band: taller than two rows of 32-px images at ×2
    const png = decodePng(readFileSync(join(out, 'samples-per-N.png')));
    expect(png.height).toBeGreaterThan(2 * 64);
  }, 300_000);

  it('reuses an images:train run with --diffflowRun: the same DiffFlow samples, the same budget', () => {
    const again = join(dir, 'again');
    const r = compare(['--quick', `--diffflowRun=${join(out, 'diffflow')}`, `--classifier=${classifier}`, `--out=${again}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(again, 'diffflow'))).toBe(false);
    const summary = JSON.parse(readFileSync(join(again, 'summary.json'), 'utf8'));
    const first = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ diffflowTrainedHere: false, diffflowRun: join(out, 'diffflow') });
    expect(summary.budget.ddpm.iterations).toBe(first.budget.ddpm.iterations);
    expect(readFileSync(join(again, 'samples', 'diffflow-N3.npy')).equals(readFileSync(join(out, 'samples', 'diffflow-N3.npy')))).toBe(true);
  }, 300_000);

  it('--resume continues a stopped comparison: trains nothing again, keeps the cells it has, samples the rest to the same bytes', () => {
    // a comparison stopped while sampling DDPM at N = 3: its samples, its metrics line and the end files not yet written
    const stopped = join(dir, 'stopped');
    cpSync(out, stopped, { recursive: true });
    for (const f of ['summary.json', 'table.txt', 'samples-per-N.png', 'samples/ddpm-N3.npy']) rmSync(join(stopped, f));
    const lines = readFileSync(join(stopped, 'metrics.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(stopped, 'metrics.jsonl'), `${lines.slice(0, -1).join('\n')}\n`);
    const linesOf = (path: string): number => readFileSync(path, 'utf8').trim().split('\n').length;
    const trainingLines = ['ddpm', 'diffflow'].map((m) => linesOf(join(stopped, m, 'metrics.jsonl')));

    const without = compare(['--quick', `--classifier=${classifier}`, `--out=${stopped}`]);
    expect(without.status).toBe(2);
    expect(errorLines(without.stderr)).toEqual([expect.stringMatching(/already holds this run; use --resume/)]);

    const r = compare(['--quick', `--classifier=${classifier}`, `--out=${stopped}`, '--resume']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/kept from the earlier run/g)).toHaveLength(3);
    expect(['ddpm', 'diffflow'].map((m) => linesOf(join(stopped, m, 'metrics.jsonl')))).toEqual(trainingLines);
    expect(jsonLines(join(stopped, 'metrics.jsonl')).map((m) => [m['model'], m['steps']])).toEqual([['diffflow', 2], ['diffflow', 3], ['ddpm', 2], ['ddpm', 3]]);
    expect(readFileSync(join(stopped, 'samples', 'ddpm-N3.npy')).equals(readFileSync(join(out, 'samples', 'ddpm-N3.npy')))).toBe(true);
    expect(readFileSync(join(stopped, 'table.txt'), 'utf8')).toBe(readFileSync(join(out, 'table.txt'), 'utf8'));
    expect(readFileSync(join(stopped, 'samples-per-N.png')).equals(readFileSync(join(out, 'samples-per-N.png')))).toBe(true);
  }, 300_000);

  it('bad input: one error line naming the flag or the folder, exit code 2, nothing trained', async () => {
    const foreignDir = join(dir, 'foreign');
    mkdirSync(foreignDir);
    writeFileSync(join(foreignDir, 'checkpoint.bin'), 'not a checkpoint');
    const cases: [string[], RegExp][] = [
      [['--sampleStep=5'], /--sampleStep.*did you mean '--sampleSteps'/],
      [[`--diffflowRun=${join(dir, 'no-such-run')}`, `--out=${join(dir, 'never1')}`], /no-such-run\/checkpoint\.bin/],
      [[`--diffflowRun=${foreignDir}`, `--out=${join(dir, 'never2')}`], /foreign\/checkpoint\.bin/],
      [[`--diffflowRun=${join(out, 'diffflow')}`, '--preset=cpu'], /--preset.*cannot be given with --diffflowRun/],
      [[`--classifier=${join(dir, 'no-classifier')}`, `--out=${join(dir, 'never3')}`], /no-classifier\/lenet\.json.*images:classifier/],
      [['--sampler=heun', '--snr=0.3', `--out=${join(dir, 'never4')}`], /option '--snr': is not a setting of sampler 'heun' \(its settings: none\)/],
    ];
    // the processes only decode and check: run them at once
    const ran = await Promise.all(cases.map(([args]) => runScriptAsync(cli, ['compare', '--quick', ...args], { timeout: 120_000 })));
    ran.forEach((r, k) => {
      expect(r.status, r.stderr).toBe(2);
      expect(errorLines(r.stderr)).toEqual([expect.stringMatching(cases[k]![1])]);
    });
    for (const never of ['never1', 'never2', 'never3', 'never4']) expect(existsSync(join(dir, never)), never).toBe(false);
  }, 300_000);
});
