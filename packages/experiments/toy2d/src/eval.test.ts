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
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { expectNoLeaks, repoRoot, runScriptAsync, type Ran } from '@diffflow/test-utils';
import { formatError, parseFlags } from '@diffflow/cli';
import { loadCheckpoint } from '@diffflow/runs';
import { decodePng } from '@diffflow/figures';
import { decodeNpyArray, encodeNpyArray, pointCloudLogDensity } from '@diffflow/datasets';
import { disposeModel } from '@diffflow/training';
import { EvalFlags, evaluateToy2d, evalFolderName, loadEmaRun, type LoadedRun } from './eval.js';
import { heldOutPoints, toy2dData } from './model.js';

const cli = join(repoRoot, 'packages/experiments/toy2d/src/cli.ts');
const evalCli = join(repoRoot, 'packages/experiments/toy2d/src/eval_cli.ts');
const tiny = ['--iters=3', '--batchSize=32', '--steps=3', '--hidden=8', '--layers=1', '--samples=32'];

/** A workspace script in a child process without blocking the event loop, so several run at once. */
const run = (script: string, args: readonly string[]): Promise<Ran> => runScriptAsync(script, args, { timeout: 150_000 });

const errorLines = (r: Ran): string[] => r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

describe('toy2d eval (end to end on a tiny CLI-trained run)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy2d-eval-'));
  const runDir = join(dir, 'run');
  let early: { n0: Ran; missing: Ran };
  let loaded: LoadedRun;

  beforeAll(async () => {
    // Flag errors need no trained run: run them while the run trains (the other flags are checked
    // in-process through parseFlags with EvalFlags, which is all the command line does before exiting).
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
    const r = parseFlags(args, EvalFlags);
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) expect(formatError(r.left)).toMatch(pattern);
  });

  it('names the default output folder by every option that changes the numbers', () => {
    const s = { n: 5000, solver: 'rk45', steps: 30, rtol: 1e-5, atol: 1e-6, resolution: 128, draws: 4, seed: 0 } as const;
    expect(evalFolderName(s)).toBe('eval-n5000-rk45-rtol0.00001-atol0.000001-N30-K4-res128-seed0');
    expect(evalFolderName({ ...s, solver: 'rk4' })).toBe('eval-n5000-rk4-N30-K4-res128-seed0');
    const ok = parseFlags(['--n=10', '--solver=rk4', '--rtol', '1e-3'], EvalFlags);
    expect(ok).toEqual(E.right({ n: 10, solver: 'rk4', rtol: 1e-3 }));
  });
});

describe('toy2d on a point cloud of your own (--points=<file.npy>, end to end)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy2d-points-'));
  const runDir = join(dir, 'run');
  // 30 points on a unit circle about (3, −1): the user's own coordinates, float64 on disk
  const cloud = Float32Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 3 + Math.cos((Math.PI * (i >> 1)) / 15) : -1 + Math.sin((Math.PI * (i >> 1)) / 15)));
  const file = join(dir, 'ring.npy');
  writeFileSync(file, encodeNpyArray(cloud, [30, 2]));
  writeFileSync(join(dir, 'wide.npy'), encodeNpyArray(new Float32Array(15), [5, 3]));
  writeFileSync(join(dir, 'nan.npy'), encodeNpyArray(Float32Array.of(0, 0, Number.NaN, 1), [2, 2]));
  let trained: Ran;
  let refused: Record<string, Ran>;

  beforeAll(async () => {
    const bad = (name: string, args: string[]): Promise<[string, Ran]> => run(cli, ['train', ...tiny, ...args, `--out=${join(dir, `bad-${name}`)}`]).then((r) => [name, r]);
    const [t, ...errors] = await Promise.all([
      run(cli, ['train', ...tiny, `--points=${file}`, '--jitter=0.05', `--out=${runDir}`]),
      bad('missing', [`--points=${join(dir, 'nope.npy')}`]),
      bad('wide', [`--points=${join(dir, 'wide.npy')}`]),
      bad('nan', [`--points=${join(dir, 'nan.npy')}`]),
      bad('nocloud', ['--dataset=points']),
      bad('toy', ['--dataset=moons', `--points=${file}`]),
    ]);
    trained = t;
    refused = Object.fromEntries(errors);
  }, 200_000);

  it("trains with the cloud in config.json and the checkpoint (dataset 'points' implied by --points)", async () => {
    expect(trained.status, trained.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ dataset: 'points', jitter: 0.05 });
    expect(config.points.flat()).toEqual(Array.from(cloud));
    const ckpt = await loadCheckpoint(join(runDir, 'checkpoint.bin'))();
    if (E.isLeft(ckpt)) throw new Error(formatError(ckpt.left));
    expect((ckpt.right.meta['config'] as { points: number[][] }).points).toEqual(config.points);
  });

  it('evaluates (held-out draw of the cloud, the cloud’s own NLL beside) and samples it from the command line', async () => {
    const out = join(dir, 'eval');
    const [ev, sampled] = await Promise.all([
      run(evalCli, [`--run=${runDir}`, '--n=50', '--solver=rk4', '--resolution=8', '--draws=1', `--out=${out}`]),
      run(cli, ['sample', `--run=${runDir}`, '--n=20', `--out=${join(dir, 'sampled')}`]),
    ]);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/NLL of the cloud itself/);
    const report = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8'));
    expect(report).toMatchObject({ dataset: 'points', heldOut: { n: 50, cloudPoints: 30, jitter: 0.05, key: expect.stringMatching(/^samplePointCloud/) } });
    for (const v of [report.nll.nats, report.negativeElbo.nats, report.dataNll, report.heatmap.massInBox]) expect(Number.isFinite(v)).toBe(true);
    // the cloud's NLL on the same held-out points, recomputed here
    const loaded = await loadEmaRun(runDir)();
    if (E.isLeft(loaded)) throw new Error(formatError(loaded.left));
    const data = toy2dData(loaded.right.config);
    disposeModel(loaded.right.model);
    if (typeof data === 'string') throw new Error('expected a cloud');
    const x = heldOutPoints(data, 0, 50);
    expect(report.dataNll).toBeCloseTo(-pointCloudLogDensity(data, x).reduce((a, v) => a + v, 0) / 50, 10);
    // the heat-map spans the cloud: bounds around (3, −1), not the toys' [−4, 4]²
    const [x0, x1, y0, y1] = report.heatmap.bounds as number[];
    expect(x0).toBeGreaterThan(1.5);
    expect(x1).toBeLessThan(4.5);
    expect(y0).toBeGreaterThan(-2.5);
    expect(y1).toBeLessThan(0.5);

    expect(sampled.status, sampled.stderr).toBe(0);
    const npy = decodeNpyArray(readFileSync(join(dir, 'sampled', 'samples.npy')), 'samples.npy');
    if (E.isLeft(npy)) throw new Error(formatError(npy.left));
    expect([...npy.right.shape]).toEqual([20, 2]);
  }, 200_000);

  it.each([
    ['missing', /nope\.npy/],
    ['wide', /wide\.npy.*shape \[n, 2\]; got shape \[5, 3\]/],
    ['nan', /nan\.npy.*finite; row 1 has NaN/],
    ['nocloud', /'points'.*needs its cloud: --points=<file\.npy>/],
    ['toy', /'points'.*only dataset 'points' takes a cloud.*'moons'/],
  ])('refuses a bad or missing cloud (%s) with one line naming it, exit 2, nothing written', (name, pattern) => {
    const r = refused[name] as Ran;
    expect(r.status, r.stderr).toBe(2);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(pattern);
    expect(existsSync(join(dir, `bad-${name}`))).toBe(false);
  });
});
