import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runScript, type Ran } from '@diffflow/test-utils';
import { decodePng, TEXT_HEIGHT, type RgbaImage } from '@diffflow/figures';

const cli = join(repoRoot, 'packages/experiments/images/src/cli.ts');
/** 8×8 images, the tiny U-Net (≈ 19k parameters), N = 2 → 3 at iteration 2, 4 iterations of 4 images. */
const tiny = ['--preset=tiny', '--heldOut=8'];

/** A grid of `w` × `h` pixels under a title band (double-size text): as wide as the grid or its title, taller by the band. */
function expectTitledGrid(png: RgbaImage, w: number, h: number): void {
  expect(png.width).toBeGreaterThanOrEqual(w);
  expect(png.height - h).toBeGreaterThanOrEqual(2 * TEXT_HEIGHT);
  expect(png.height - h).toBeLessThanOrEqual(4 * TEXT_HEIGHT);
}

const images = (args: readonly string[]): Ran => runScript(cli, args);

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));

describe('images command line (end to end, tiny budget)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'images-'));
  const out = join(dir, 'run');

  it('trains (with a resume half-way), samples and evaluates bits/dim', () => {
    const first = images(['train', ...tiny, '--iters=2', `--out=${out}`]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/parameters: drift 9,673 \+ score 9,673 = 19,346/);
    const resumed = images(['train', ...tiny, '--iters=4', '--resume', `--out=${out}`]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed .* at iteration 2/);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'samples.png', 'data.png', 'checkpoint.bin']) expect(existsSync(join(out, f)), f).toBe(true);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.iteration)).toEqual([0, 1, 2, 3]);
    expect(metrics.map((m) => m.steps)).toEqual([2, 2, 3, 3]); // progressive N
    for (const m of metrics) expect(Number.isFinite(m.boundPerDim)).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ iterations: 4, parameters: 19_346, stepsAtEnd: 3, sampleSteps: 3 });
    // tiny preset: 4 samples of 8×8 at ×4 with 2-pixel gaps in a 2×2 grid
    const png = decodePng(readFileSync(join(out, 'samples.png')));
    expectTitledGrid(png, 2 * 32 + 2, 2 * 32 + 2);

    const sample = images(['sample', `--run=${out}`, '--n=6', '--steps=4', `--out=${join(dir, 'samples')}`]);
    expect(sample.status, sample.stderr).toBe(0);
    expect(sample.stderr).toMatch(/6 samples \(N = 4, λ = 0, Tweedie last step\)/);
    const grid = decodePng(readFileSync(join(dir, 'samples', 'samples.png')));
    expectTitledGrid(grid, 3 * 32 + 2 * 2, 2 * 32 + 2);
    // split across two threads (the default: one per core) or on one: the same images, byte for byte
    const two = images(['sample', `--run=${out}`, '--n=6', '--steps=4', '--workers=2', `--out=${join(dir, 'samples2')}`]);
    const one = images(['sample', `--run=${out}`, '--n=6', '--steps=4', '--workers=1', `--out=${join(dir, 'samples1')}`]);
    expect([two.status, one.status], two.stderr + one.stderr).toEqual([0, 0]);
    expect(JSON.parse(readFileSync(join(dir, 'samples2', 'summary.json'), 'utf8')).threads).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'samples1', 'summary.json'), 'utf8')).threads).toBe(1);
    expect(readFileSync(join(dir, 'samples2', 'samples.npy')).equals(readFileSync(join(dir, 'samples1', 'samples.npy')))).toBe(true);
    expect(readFileSync(join(dir, 'samples', 'samples.npy')).equals(readFileSync(join(dir, 'samples1', 'samples.npy')))).toBe(true);
    const ev = images(['eval', `--run=${out}`, '--n=4', '--solver=rk4', '--odeSteps=3', '--probes=2', `--out=${join(dir, 'eval')}`]);
    expect(ev.status, ev.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'eval', 'eval.json'), 'utf8'));
    expect(result.images).toBe(4);
    expect(result.ode.nfe).toBe(4 * 3);
    expect(result.elbo.steps).toBe(3);
    // 4 iterations leave the fields near 0: the model is close to the N(0, I) prior on [−1, 1] data,
    // whose bits/dim is ½log₂(2π) + E[x²]/(2 ln 2) + 7 ≈ 8.3–9.3 for these images.
    for (const bpd of [result.ode.bitsPerDim, result.elbo.bitsPerDim]) {
      expect(bpd).toBeGreaterThan(8);
      expect(bpd).toBeLessThan(10);
    }
  }, 240_000);

  it('--sampler picks a registry sampler for the trained run; a bad name, a setting the sampler lacks or a model it cannot run: exit 2, one line, nothing written', () => {
    const dpm = images(['sample', `--run=${out}`, '--n=4', '--steps=3', '--sampler=dpm-solver', '--order=2', '--workers=1', `--out=${join(dir, 'heun')}`]);
    expect(dpm.status).toBe(2); // this DiffFlow model has a learned drift: dpm-solver names it
    expect(existsSync(join(dir, 'heun'))).toBe(false);
    expect(dpm.stderr).toMatch(/sampler 'dpm-solver' needs an SDE with a fixed linear drift/);
    const ok = images(['sample', `--run=${out}`, '--n=4', '--steps=3', '--sampler=heun', '--workers=2', `--out=${join(dir, 'heun2')}`]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'heun2', 'summary.json'), 'utf8')).sampler).toEqual({ name: 'heun', settings: {} });
    for (const [flags, message] of [
      [['--sampler=euler'], "error: option '--sampler': must be one of 'euler-maruyama', 'heun', 'predictor-corrector', 'dpm-solver', 'dpm-solver-sde', 'ddpm-ancestral', 'rk45', got 'euler'"],
      [['--sampler=heun', '--lambda=0'], "error: option '--lambda': is not a setting of sampler 'heun' (its settings: none)"],
      [['--order=5'], "error: option '--order': must be an integer from 1 to 3, got 5"],
    ] as const) {
      const bad = images(['sample', `--run=${out}`, ...flags, `--out=${join(dir, 'bad')}`]);
      expect(bad.status, bad.stderr).toBe(2);
      expect(bad.stderr.trim().split('\n').at(-1)).toBe(message);
      expect(existsSync(join(dir, 'bad'))).toBe(false);
    }
  }, 240_000);

  it("--forward=vp (VP SDE + learned drift, ε-parameterised score) after a score warm-up: trains, resumes, samples, evaluates", () => {
    const vpOut = join(dir, 'vp');
    const vp = ['--forward=vp', '--T=1', '--betaMax=10', '--warmup=1', '--warmupBatch=3'];
    const first = images(['train', ...tiny, ...vp, '--iters=2', `--out=${vpOut}`]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/parameters: drift 9,673 \+ score 9,673 = 19,346/);
    expect(first.stderr).toMatch(/forward 'vp': f = −½β\(t\)x \+ f_θ .* β 0\.1 → 10 over \[0, 1\]/);
    // the run's identity includes forward: the same folder with the learned forward process is another run
    const other = images(['train', ...tiny, '--T=1', '--betaMax=10', '--warmup=0', '--iters=4', '--resume', `--out=${vpOut}`]);
    expect(other.status).toBe(2);
    expect(errorLines(other.stderr)).toEqual([expect.stringMatching(/forward is 'vp' there, 'learned' now/)]);
    const resumed = images(['train', ...tiny, ...vp, '--iters=4', '--resume', `--out=${vpOut}`]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed .* at iteration 2/);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'samples.png', 'data.png', 'checkpoint.bin']) expect(existsSync(join(vpOut, f)), f).toBe(true);
    const metrics = readFileSync(join(vpOut, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.iteration)).toEqual([0, 1, 2, 3]);
    expect(metrics.map((m) => [m.phase, m.steps])).toEqual([['score-warmup', 0], ['trajectory-kl', 2], ['trajectory-kl', 3], ['trajectory-kl', 3]]);
    expect(metrics[0]).toMatchObject({ bound: null, boundPerDim: null });
    expect(Number.isFinite(metrics[0].objective)).toBe(true);
    for (const m of metrics.slice(1)) expect(Number.isFinite(m.boundPerDim)).toBe(true);
    expect(JSON.parse(readFileSync(join(vpOut, 'config.json'), 'utf8'))).toMatchObject({ forward: 'vp', T: 1, betaMin: 0.1, betaMax: 10, warmup: 1, warmupBatch: 3 });
    expect(JSON.parse(readFileSync(join(vpOut, 'summary.json'), 'utf8'))).toMatchObject({ iterations: 4, forward: 'vp', stepsAtEnd: 3, warmup: 1 });

    // sample and eval rebuild the vp model from the configuration stored in the checkpoint
    const sample = images(['sample', `--run=${vpOut}`, '--n=4', '--steps=4', `--out=${join(dir, 'vp-samples')}`]);
    expect(sample.status, sample.stderr).toBe(0);
    expect(existsSync(join(dir, 'vp-samples', 'samples.npy'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'vp-samples', 'summary.json'), 'utf8'))).toMatchObject({ forward: 'vp', n: 4, steps: 4 });
    const ev = images(['eval', `--run=${vpOut}`, '--n=4', '--solver=rk4', '--odeSteps=3', '--probes=1', `--out=${join(dir, 'vp-eval')}`]);
    expect(ev.status, ev.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'vp-eval', 'eval.json'), 'utf8'));
    expect(result).toMatchObject({ images: 4, forward: 'vp', ode: { nfe: 4 * 3 }, elbo: { steps: 3 } });
    // finite bits/dim above the 7 bits the dequantisation adds (an untrained score: far from good)
    for (const bpd of [result.ode.bitsPerDim, result.elbo.bitsPerDim]) {
      expect(Number.isFinite(bpd)).toBe(true);
      expect(bpd).toBeGreaterThan(7);
    }
    // the default solver, adaptive RK45, and --gridBeta (the ELBO grid's exponent; the tiny run's is 0.5), named in the default folder
    const fine = images(['eval', `--run=${vpOut}`, '--n=2', '--elboSteps=3', '--gridBeta=0.25']);
    expect(fine.status, fine.stderr).toBe(0);
    const adaptive = JSON.parse(readFileSync(join(vpOut, 'eval-n2-rk45-rtol0.001-atol0.001-beta0.25-K1-seed0', 'eval.json'), 'utf8'));
    expect(adaptive).toMatchObject({ solver: 'rk45', gridBeta: 0.25, images: 2, elbo: { steps: 3 } });
    expect(Number.isFinite(adaptive.ode.bitsPerDim)).toBe(true);
    const badBeta = images(['eval', `--run=${vpOut}`, '--gridBeta=0']);
    expect(badBeta.status).toBe(2);
    expect(errorLines(badBeta.stderr)).toEqual([expect.stringMatching(/--gridBeta.*> 0, got 0/)]);
  }, 240_000);

  it('bad input: one error line naming the flag or file, exit code 2', () => {
    const tMin = images(['train', '--tMin=0']); // the cpu preset's forward 'vp' needs t_0 > 0
    expect(tMin.status).toBe(2);
    expect(errorLines(tMin.stderr)).toEqual([expect.stringMatching(/tMin.*> 0 with forward 'vp'/)]);
    const warmup = images(['train', ...tiny, '--warmup=1']); // the tiny preset's forward is 'learned'
    expect(warmup.status).toBe(2);
    expect(errorLines(warmup.stderr)).toEqual([expect.stringMatching(/warmup.*needs --forward=vp/)]);
    const flag = images(['train', '--iter=3']);
    expect(flag.status).toBe(2);
    expect(errorLines(flag.stderr)).toEqual([expect.stringMatching(/--iter.*did you mean '--iters'/)]);
    const data = images(['train', '--data=idx', `--dataDir=${join(dir, 'no-such-folder')}`, ...tiny]);
    expect(data.status).toBe(2);
    expect(errorLines(data.stderr)).toEqual([expect.stringMatching(/train-images-idx3-ubyte/)]);
    const run = images(['eval', `--run=${join(dir, 'no-run')}`]);
    expect(run.status).toBe(2);
    expect(errorLines(run.stderr)).toEqual([expect.stringMatching(/checkpoint\.bin/)]);
  }, 120_000);
});
