import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { ExperimentFailure, formatError } from '@diffflow/cli';
import { budgetFor, compareDefaults, compareSamplers, loadCompareConfig, runIdentity, trainedDatasets, type CompareConfig } from './config.js';
import { parameterCounts } from './models.js';

async function load(argv: string[]): Promise<CompareConfig> {
  const r = await loadCompareConfig(argv);
  if (E.isLeft(r)) throw new Error(formatError(r.left));
  return r.right;
}

async function error(argv: string[]): Promise<string> {
  const r = await loadCompareConfig(argv);
  if (E.isRight(r)) throw new Error(`expected ${argv.join(' ')} to be rejected`);
  return formatError(r.left);
}

describe('toy2d:compare configuration', () => {
  it('defaults: the four sharpness sets, both ring sets, N ∈ {5 … 100}, comparable parameter counts', async () => {
    const c = await load([]);
    expect(c).toEqual(compareDefaults);
    expect(trainedDatasets(c)).toEqual(['checkerboard', 'olympic', '2spirals', 'sierpinski', 'fourrings']);
    const p = parameterCounts(c);
    expect(p.diffflow).toBe(2 * 99_714);
    expect(p.ddpm).toBe(198_559); // ε-network 3 × 181
    expect(Math.abs(p.ddpm - p.diffflow) / p.diffflow).toBeLessThan(0.01);
  });

  it("each model's sampler takes its own settings as dotted flags; a setting its sampler lacks is refused naming the flag (exit 2)", async () => {
    expect(compareSamplers(await load([]))).toEqual({ diffflow: { name: 'euler-maruyama', settings: {} }, ddpm: 'ancestral' });
    const c = await load(['--diffflow.sampler=predictor-corrector', '--diffflow.snr=0.3', '--diffflow.correctorSteps=2', '--ddpm.sampler=dpm-solver', '--ddpm.order=2', '--ddpm.lowerOrderFinal=false']);
    expect(c.diffflow).toMatchObject({ sampler: 'predictor-corrector', snr: 0.3, correctorSteps: 2 });
    expect(compareSamplers(c)).toEqual({
      diffflow: { name: 'predictor-corrector', settings: { snr: 0.3, correctorSteps: 2 } },
      ddpm: { name: 'dpm-solver', settings: { order: 2, lowerOrderFinal: false } },
    });
    expect(compareSamplers(await load(['--diffflow.lambda=1'])).diffflow).toEqual({ name: 'euler-maruyama', settings: { lambda: 1 } });
    expect(await error(['--ddpm.snr=-1'])).toMatch(/ddpm\.snr.*must be a number > 0, got -1/);
    const refused = async (argv: string[]): Promise<unknown> => {
      try {
        compareSamplers(await load(argv));
      } catch (e) {
        return e;
      }
      throw new Error(`expected ${argv.join(' ')} to be refused`);
    };
    const heun = await refused(['--diffflow.sampler=heun', '--diffflow.snr=0.3']);
    expect(heun).toBeInstanceOf(ExperimentFailure);
    expect(String((heun as Error).message)).toContain("option '--diffflow.snr': is not a setting of sampler 'heun' (its settings: none)");
    expect(String(((await refused(['--ddpm.order=2'])) as Error).message)).toContain("option '--ddpm.order': is not a setting of sampler 'ancestral'");
    expect(String(((await refused(['--ddpm.sampler=euler-maruyama', '--ddpm.order=2'])) as Error).message)).toContain(
      "option '--ddpm.order': is not a setting of sampler 'euler-maruyama' (its settings: --ddpm.lambda, --ddpm.denoise)",
    );
  });

  it('--quick applies its preset, and later flags still win', async () => {
    const c = await load(['--quick', '--diffflow.iters=7', '--stepsList=3, 4,3']);
    expect(c.quick).toBe(true);
    expect(c.diffflow).toMatchObject({ iters: 7, batch: 64, hidden: 16 });
    expect(c.ddpm.K).toBe(50);
    expect(c.stepsList).toEqual([3, 4]); // comma-separated, trimmed, de-duplicated
    expect(c.sharpness).toEqual(['olympic', '2spirals']);
  });

  it('per-dataset budgets override the global ones; "none" skips an experiment', async () => {
    const c = await load(['--budget.sierpinski.diffflowIters=900', '--budget.sierpinski.ddpmBatch=256', '--topology=none']);
    expect(budgetFor(c, 'sierpinski')).toEqual({ diffflowIters: 900, diffflowBatch: 512, ddpmIters: 6000, ddpmBatch: 256 });
    expect(budgetFor(c, 'checkerboard')).toEqual({ diffflowIters: 400, diffflowBatch: 512, ddpmIters: 6000, ddpmBatch: 512 });
    expect(c.topology).toEqual([]);
    expect(trainedDatasets(c)).not.toContain('fourrings');
  });

  it('reads a --config file between the defaults and the flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ seed: 5, ddpm: { iters: 11 }, sharpness: ['moons'] }));
    const c = await load([`--config=${file}`, '--seed=6']);
    expect(c.seed).toBe(6);
    expect(c.ddpm.iters).toBe(11);
    expect(c.ddpm.batch).toBe(512);
    expect(c.sharpness).toEqual(['moons']);
  });

  it.each([
    [['--stepsList=0,5'], /stepsList/],
    [['--stepsList=5,2000'], /stepsList.*ddpm\.K = 1000/],
    [['--sharpness=checkerboard,nope'], /sharpness/],
    [['--diffflow.iters=-1'], /diffflow\.iters/],
    [['--diffflow.T=0.0001'], /diffflow\.T/],
    [['--ddpm.betaMax=0.01'], /ddpm\.betaMax/],
    [['--eval.nllPoints=5000'], /eval\.nllPoints/],
    [['--budget.olympic.ddpmIters=abc'], /budget\.olympic\.ddpmIters/],
    [['--budget.nope.ddpmIters=5'], /budget\.nope\.ddpmIters/],
    [['--sharpness=none', '--topology=none', '--stepsDatasets=none'], /nothing to compare/],
    [['--diffflow.sampler=euler'], /diffflow\.sampler.*must be one of 'euler-maruyama', 'heun', 'predictor-corrector', 'dpm-solver', 'dpm-solver-sde', 'ddpm-ancestral', 'rk45'/],
    [['--ddpm.sampler=ddim'], /ddpm\.sampler.*must be one of 'ancestral', 'euler-maruyama'/],
    [['--diffflow.sampler=dpm-solver'], /diffflow\.sampler.*sampler 'dpm-solver' needs an SDE with a fixed linear drift/],
  ])('rejects %s naming the field', async (argv, pattern) => {
    expect(await error(argv)).toMatch(pattern);
  });

  it('the run identity leaves out where it is written, --resume and --ddpmWorker (they do not change the numbers)', async () => {
    const a = runIdentity(await load(['--out=x', '--ddpmWorker=false']));
    const b = runIdentity(await load(['--out=y', '--resume']));
    expect(a).toEqual(b);
    expect(a).not.toHaveProperty('out');
    expect(runIdentity(await load(['--seed=1']))).not.toEqual(a);
  });
});
