/**
 * toy2d eval, end to end on a tiny run trained by the CLI in a temp folder.
 *
 * An untrained model has no known NLL, so the checks are consistencies that hold for any model:
 * - units: bits/dim = nats / (D ln 2), nats/dim = nats / D, and the dataset-coordinate numbers equal
 *   the model-coordinate ones minus log|det ∂y/∂x| computed here from the checkpoint's normaliser;
 * - two ODE solvers (adaptive RK45 and fixed-step RK4) give the same per-point NLL;
 * - the negative ELBO on the same held-out points matches the one train.ts wrote to summary.json
 *   (same points, same EMA weights, same grid; only the forward-noise keys differ), within the
 *   noise's own spread;
 * - the log-density map integrates to at most 1 over the plot box (a wrong sign of the log-det
 *   would scale it by e^{±2·1.67} ≈ 28 or 1/28);
 * - the model carries the checkpoint's EMA weights, and evaluation leaks no tensor;
 * - every bad flag is one `error:` line naming it, exit code 2, nothing written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { expectNoLeaks } from '@diffflow/test-utils';
import { decodePng, formatError, loadCheckpoint } from '@diffflow/runs';
import { decodeNpyArray } from '@diffflow/datasets';
import { disposeModel } from '@diffflow/training';
import { evaluateToy2d, evalFolderName, loadEmaRun, parseEvalFlags, type LoadedRun } from './eval.js';

const root = new URL('../../../../', import.meta.url).pathname;
const cli = join(root, 'packages/experiments/toy2d/src/cli.ts');
const evalCli = join(root, 'packages/experiments/toy2d/src/eval_cli.ts');
const tiny = ['--iters=3', '--batchSize=32', '--steps=3', '--hidden=8', '--layers=1', '--samples=32'];

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a script under node + tsx without blocking the event loop, so several run at once. */
function run(script: string, args: readonly string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
      cwd: root,
      env: { ...process.env, DIFFFLOW_BACKEND: 'wasm' },
      timeout: 150_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const errorLines = (r: Ran): string[] => r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

describe('toy2d eval (end to end on a tiny CLI-trained run)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy2d-eval-'));
  const runDir = join(dir, 'run');
  let early: { n0: Ran; missing: Ran };
  let loaded: LoadedRun;

  beforeAll(async () => {
    // Flag errors need no trained run: run them while the run trains (the other flags are checked
    // in-process through parseEvalFlags, which is all the command line does before exiting).
    const [trained, n0, missing] = await Promise.all([
      run(cli, ['train', ...tiny, `--out=${runDir}`]),
      run(evalCli, [`--run=${runDir}`, '--n=0', `--out=${join(dir, 'bad-n')}`]),
      run(evalCli, [`--run=${join(dir, 'nope')}`, `--out=${join(dir, 'bad-missing')}`]),
    ]);
    expect(trained.status, trained.stderr).toBe(0);
    early = { n0, missing };
    const r = await loadEmaRun(runDir)();
    if (E.isLeft(r)) throw new Error(formatError(r.left));
    loaded = r.right;
  }, 200_000);

  afterAll(() => {
    if (loaded !== undefined) disposeModel(loaded.model);
  });

  it('evaluates from the command line: table on stdout, eval.json, nll.npy and the heat-maps', async () => {
    const out = join(dir, 'cli-eval');
    // the CLI eval and the --dataset mismatch run in their own processes while this one computes
    const [ok, mismatch] = await Promise.all([
      run(evalCli, [`--run=${runDir}`, '--n=600', '--resolution=16', '--draws=2', `--out=${out}`]),
      run(evalCli, [`--run=${runDir}`, '--dataset=moons', '--n=10']),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/NLL \(ODE, rk45, exact trace\)/);
    expect(ok.stdout).toMatch(/−ELBO \(N = 3, K = 2\)/);

    const report = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8'));
    expect(report).toMatchObject({ dataset: 'checkerboard', checkpointIteration: 3, weights: 'ema', dim: 2, settings: { n: 600, steps: 3, solver: 'rk45' } });
    for (const v of [report.nll.nats, report.nll.bitsPerDim, report.nll.natsPerDim, report.nll.standardError, report.nll.ms, report.negativeElbo.nats, report.negativeElbo.bitsPerDim, report.negativeElbo.ms, report.normalizerLogDet, report.heatmap.massInBox, report.totalMs])
      expect(finite(v), JSON.stringify(report)).toBe(true);
    expect(Number.isInteger(report.nll.nfe) && report.nll.nfe > 0).toBe(true);
    // n = 600 is two chunks of at most 512 rows
    expect(report.nll.nfePerChunk).toHaveLength(2);

    // units (float64 arithmetic on the reported numbers)
    for (const q of [report.nll, report.negativeElbo]) {
      expect(q.bitsPerDim).toBeCloseTo(q.nats / (2 * Math.LN2), 10);
      expect(q.natsPerDim).toBeCloseTo(q.nats / 2, 10);
    }
    // dataset coordinates: NLL_x = NLL_y − log|det ∂y/∂x|, the log-det computed here from the
    // normaliser: y = (x·scale − mean)/std, so log|det| = Σ_j log(scale / std_j). The code's value
    // comes from float32 normalize() of two points: agreement to 1e-5.
    const ckpt = await loadCheckpoint(join(runDir, 'checkpoint.bin'))();
    if (E.isLeft(ckpt)) throw new Error(formatError(ckpt.left));
    const norm = ckpt.right.meta['normalizer'] as { scale: number; std: number[] };
    const logDet = norm.std.reduce((acc, s) => acc + Math.log(norm.scale / s), 0);
    expect(Math.abs(report.normalizerLogDet - logDet)).toBeLessThan(1e-5);
    expect(report.nll.nats).toBeCloseTo(report.nll.modelNats - logDet, 4);
    expect(report.negativeElbo.nats).toBeCloseTo(report.negativeElbo.modelNats - logDet, 4);

    // per-point NLL: [n] float32, its mean is the reported one (float32 values ~5, n = 600: 1e-4)
    const npy = decodeNpyArray(readFileSync(join(out, 'nll.npy')), 'nll.npy');
    if (E.isLeft(npy)) throw new Error(formatError(npy.left));
    expect([...npy.right.shape]).toEqual([600]);
    const values = npy.right.data as Float32Array;
    expect(Math.abs(values.reduce((a, v) => a + v, 0) / 600 - report.nll.nats)).toBeLessThan(1e-4);

    // the density integrates to ≤ 1 over the box (midpoint rule on a smooth field: +2% slack);
    // it holds most of the mass of a near-prior model (> 0.5; the measured value is ≈ 0.93).
    expect(report.heatmap.massInBox).toBeLessThanOrEqual(1.02);
    expect(report.heatmap.massInBox).toBeGreaterThan(0.5);
    const png = decodePng(readFileSync(join(out, 'logdensity.png')));
    // 16 px × scale 30 = 480 px of heat-map, on axes with tick labels, axis labels and a title around it
    expect(png.width).toBeGreaterThan(480);
    expect(png.height).toBeGreaterThan(480 + 20);
    expect(png.width).toBeLessThan(480 + 80);
    expect(existsSync(join(out, 'samples_logdensity.png'))).toBe(true);

    // --dataset that the run was not trained on: one line naming the flag, nothing written
    expect(mismatch.status).toBe(2);
    expect(errorLines(mismatch)).toHaveLength(1);
    expect(errorLines(mismatch)[0]).toMatch(/--dataset.*checkerboard/);
    expect(readdirSync(runDir).filter((f) => f.startsWith('eval-'))).toEqual([]);
  }, 200_000);

  it('uses the EMA weights of the checkpoint', async () => {
    const ckpt = await loadCheckpoint(join(runDir, 'checkpoint.bin'))();
    if (E.isLeft(ckpt)) throw new Error(formatError(ckpt.left));
    let differsFromLive = false;
    for (const [net, prefix] of [
      [loaded.model.sde.drift, 'drift'],
      [loaded.model.score, 'score'],
    ] as const) {
      for (const p of net.parameters) {
        const ema = ckpt.right.tensors[`ema/${prefix}/${p.name}`];
        const live = ckpt.right.tensors[`param/${prefix}/${p.name}`];
        expect(ema, p.name).toBeDefined();
        expect(Array.from(p.variable.dataSync())).toEqual(Array.from(ema!.data));
        if (live!.data.some((v, i) => v !== ema!.data[i])) differsFromLive = true;
      }
    }
    expect(differsFromLive, 'EMA and live weights coincide, so this test could not tell them apart').toBe(true);
  });

  it('RK45 and RK4 agree per point; RK4 costs 4N evaluations a chunk; no tensor leaks', () => {
    const base = { n: 1000, rtol: 1e-5, atol: 1e-5, resolution: 4, draws: 1, seed: 0 } as const;
    const a = expectNoLeaks(() => evaluateToy2d(loaded, { ...base, solver: 'rk45', steps: 3 }));
    const b = expectNoLeaks(() => evaluateToy2d(loaded, { ...base, solver: 'rk4', steps: 10 }));
    expect(b.nll.nfe).toBe(4 * 10 * 2); // 1000 rows: two chunks
    // RK45's error control is one RMS norm per 512-row chunk at rtol = atol = 1e-5, so single points
    // may be off by more than 1e-5 (measured: max 1.1e-4 nats); RK4 with N = 10 on a field this
    // smooth is far more accurate. Allowed: 1e-3 per point, 1e-4 for the mean.
    let worst = 0;
    for (let i = 0; i < base.n; i++) worst = Math.max(worst, Math.abs((a.perSampleNll[i] as number) - (b.perSampleNll[i] as number)));
    expect(worst).toBeLessThan(1e-3);
    expect(Math.abs(a.nll.nats - b.nll.nats)).toBeLessThan(1e-4);
    expect(a.nll.nfe).toBeGreaterThan(0);
  }, 120_000);

  it("negative ELBO matches train.ts's held-out bound (same 5000 points and weights, other noise keys)", () => {
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    const K = 16;
    const r = expectNoLeaks(() => evaluateToy2d(loaded, { n: 5000, solver: 'rk4', steps: 3, rtol: 1e-5, atol: 1e-5, resolution: 2, draws: K, seed: 0 }));
    const perDraw = r.negativeElbo.perDraw;
    const mean = perDraw.reduce((a, v) => a + v, 0) / K;
    const sd = Math.sqrt(perDraw.reduce((a, v) => a + (v - mean) ** 2, 0) / (K - 1));
    // summary.json's value is one draw of the same quantity: the difference has sd ≈ sd·√(1 + 1/K).
    // Allowed: 5 of those, plus 1e-4 for float32 means over 5000 rows. A different held-out set would
    // move it by its data standard error (≈ 0.02 nats), a wrong log-det by 3.3 nats.
    expect(sd).toBeGreaterThan(0);
    expect(Math.abs(r.negativeElbo.nats - summary.heldOutNegativeElbo)).toBeLessThan(5 * sd * Math.sqrt(1 + 1 / K) + 1e-4);
    expect(r.negativeElbo.standardError).toBeCloseTo(sd / Math.sqrt(K), 10);
  }, 120_000);

  it('rejects bad flags with one error line naming the flag, exit 2, nothing written', () => {
    for (const [r, flag] of [
      [early.n0, /--n\b.*>= 1/],
      [early.missing, /nope\/checkpoint\.bin/],
    ] as const) {
      expect(r.status, r.stderr).toBe(2);
      expect(errorLines(r)).toHaveLength(1);
      expect(errorLines(r)[0]).toMatch(flag);
    }
    for (const d of ['bad-n', 'bad-missing']) expect(existsSync(join(dir, d))).toBe(false);
  });

  it.each([
    [['--n=0'], /option '--n'/],
    [['--n=2.5'], /option '--n'/],
    [['--solver=euler'], /option '--solver'/],
    [['--steps=0'], /option '--steps'/],
    [['--rtol=0'], /option '--rtol'/],
    [['--atol=-1'], /option '--atol'/],
    [['--resolution=1'], /option '--resolution'/],
    [['--resolution=abc'], /option '--resolution'.*'abc'/],
    [['--draws=0'], /option '--draws'/],
    [['--seed=-1'], /option '--seed'/],
    [['--dataset=nope'], /option '--dataset'/],
    [['--bogus=1'], /unknown option '--bogus'/],
    [['--step=3'], /did you mean '--steps'/],
    [['stray'], /unexpected argument 'stray'/],
  ])('parses %s into one error naming the flag', (args, pattern) => {
    const r = parseEvalFlags(args);
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) expect(formatError(r.left)).toMatch(pattern);
  });

  it('names the default output folder by every option that changes the numbers', () => {
    const s = { n: 5000, solver: 'rk45', steps: 30, rtol: 1e-5, atol: 1e-6, resolution: 128, draws: 4, seed: 0 } as const;
    expect(evalFolderName(s)).toBe('eval-n5000-rk45-rtol0.00001-atol0.000001-N30-K4-res128-seed0');
    expect(evalFolderName({ ...s, solver: 'rk4' })).toBe('eval-n5000-rk4-N30-K4-res128-seed0');
    const ok = parseEvalFlags(['--n=10', '--solver=rk4', '--rtol', '1e-3']);
    expect(ok).toEqual(E.right({ n: 10, solver: 'rk4', rtol: 1e-3 }));
  });
});
