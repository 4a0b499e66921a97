import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { formatError } from '@diffflow/cli';
import { ddpmBudget, readTrainingCost, trainingCostOf } from './compare_budget.js';

const line = (iteration: number, phase: string | undefined, ms: number): string => JSON.stringify({ iteration, ...(phase === undefined ? {} : { phase }), ms, objective: 1 });

describe('trainingCostOf', () => {
  it('sums and takes medians per phase, the last line of a repeated iteration winning', () => {
    const text = [
      line(0, 'score-warmup', 500),
      line(1, 'score-warmup', 520),
      line(2, 'score-warmup', 900), // repeated below after a resume: 510 wins
      '{"iteration": 3, "ms": 7', // cut short by a crash
      line(2, 'score-warmup', 510),
      line(3, 'trajectory-kl', 6000),
      line(4, undefined, 7000), // logged before phases existed: trajectory KL
      '',
    ].join('\n');
    expect(trainingCostOf(text)).toEqual({
      warmupIterations: 3,
      klIterations: 2,
      warmupSeconds: 1.53,
      klSeconds: 13,
      msPerWarmupIterationMedian: 510,
      msPerKlIterationMedian: 6500,
    });
  });
});

describe('ddpmBudget', () => {
  const cost = { warmupIterations: 4000, klIterations: 150, warmupSeconds: 2080, klSeconds: 1005, msPerWarmupIterationMedian: 520, msPerKlIterationMedian: 6700 };

  it("buys DiffFlow's total training time at the price of its median warm-up iteration", () => {
    // (2080 + 1005) s / 0.52 s = 5932.7 → 5933 DDPM iterations
    expect(ddpmBudget(cost)).toEqual({ iterations: 5933, diffflowSeconds: 3085, msPerIteration: 520, source: 'budget' });
  });

  it('never gives DDPM fewer iterations than the warm-up it continues, and --ddpmIters overrides', () => {
    expect(ddpmBudget({ ...cost, warmupSeconds: 100, klSeconds: 0 }).iterations).toBe(4000);
    expect(ddpmBudget(cost, 17)).toMatchObject({ iterations: 17, source: 'flag' });
  });

  it('throws naming cost when nothing prices an iteration', () => {
    expect(() => ddpmBudget({ ...cost, warmupIterations: 0, msPerWarmupIterationMedian: null })).toThrow(/ddpmBudget: cost must hold warm-up iterations/);
  });
});

describe('readTrainingCost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'compare-budget-'));

  it('reads a metrics.jsonl; a missing one, or one without warm-up, is an error naming the file', async () => {
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, `${line(0, 'score-warmup', 40)}\n${line(1, 'trajectory-kl', 400)}\n`);
    const read = await readTrainingCost(good)();
    expect(E.isRight(read) && read.right.klSeconds).toBe(0.4);
    const missing = await readTrainingCost(join(dir, 'none.jsonl'))();
    expect(E.isLeft(missing) && formatError(missing.left)).toMatch(/file not found: '.*none\.jsonl' \(an images:train run logs its iterations there/);
    const noWarmup = join(dir, 'kl.jsonl');
    writeFileSync(noWarmup, `${line(0, 'trajectory-kl', 400)}\n`);
    const bad = await readTrainingCost(noWarmup)();
    expect(E.isLeft(bad) && formatError(bad.left)).toMatch(/kl\.jsonl' is malformed: holds no score-warmup iteration/);
  });
});
