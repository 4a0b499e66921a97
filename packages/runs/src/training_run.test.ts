import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DivergenceError, type StepMetrics, type Trainer, type TrainerState } from '@diffflow/training';
import { loadCheckpoint } from './checkpoint.js';
import { openRunDir, type RunDir } from './run_dir.js';
import { resumeTrainer } from './trainer_checkpoint.js';
import { runTrainingLoop } from './training_run.js';

afterEach(() => vi.restoreAllMocks());

/** A stand-in trainer: one weight w = iteration, diverging at `divergeAt`; `ms` per step as given. */
function fakeTrainer(divergeAt = Number.POSITIVE_INFINITY, ms = 1): Trainer & { saves: number } {
  let iteration = 0;
  const fake = {
    saves: 0,
    get iteration() {
      return iteration;
    },
    step(): StepMetrics {
      if (iteration === divergeAt) throw new DivergenceError(iteration, "loss term 'objective' (NaN)");
      const m = { iteration, phase: 'trajectory-kl', steps: 2, lr: 1, objective: iteration, bound: 10 - iteration, boundPerDim: 1, terminal: 0, backwardEnergy: 0, forwardEnergy: 0, gradNorm: 1, retries: 0, ms } as const;
      iteration += 1;
      return m;
    },
    state(): TrainerState {
      fake.saves += 1;
      return { iteration, adamStep: iteration, emaUpdates: iteration, tensors: new Map([['param/w', tf.scalar(iteration)]]) };
    },
    restore(state: TrainerState) {
      iteration = state.iteration;
    },
    phaseAt: () => 'trajectory-kl',
  };
  return fake as unknown as Trainer & { saves: number };
}

async function runDir(): Promise<RunDir> {
  const r = await openRunDir(join(mkdtempSync(join(tmpdir(), 'loop-')), 'run'), { config: {}, resume: false, nonIdentity: [] })();
  if (E.isLeft(r)) throw new Error('openRunDir failed');
  return r.right;
}

const lines = (run: RunDir): Record<string, unknown>[] =>
  readFileSync(run.file('metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('runTrainingLoop', () => {
  it('appends one metrics line per iteration, checkpoints every checkpointEvery and at the end, leak-free', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = await runDir();
    const trainer = fakeTrainer();
    const before = tf.memory().numTensors;
    const out = await runTrainingLoop(trainer, {
      run,
      iters: 7,
      checkpointEvery: 3,
      label: 'test',
      checkpoint: { path: run.file('checkpoint.bin'), meta: () => ({ note: 'kept' }) },
      record: (m) => ({ line: { ...m, extra: m.iteration * 2 }, loss: m.bound }),
    });
    expect(out.stoppedByTime).toBe(false);
    expect(lines(run).map((l) => [l['iteration'], l['extra']])).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => [i, 2 * i]));
    expect(trainer.saves).toBe(3); // after iterations 3 and 6, and at the end (7)
    expect(tf.memory().numTensors).toBe(before);
    const ckpt = await loadCheckpoint(run.file('checkpoint.bin'))();
    expect(E.isRight(ckpt) && ckpt.right.meta).toMatchObject({ note: 'kept', iteration: 7 });
    // and a trainer resumed from it continues at iteration 7
    const resumed = fakeTrainer();
    await resumeTrainer(resumed, run.file('checkpoint.bin'));
    expect(resumed.iteration).toBe(7);
  });

  it('stops after maxSeconds as if iters were reached, and still checkpoints', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = await runDir();
    const trainer = fakeTrainer();
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (clock += 400)); // every reading 0.4 s later
    const out = await runTrainingLoop(trainer, {
      run,
      iters: 100,
      checkpointEvery: 1000,
      maxSeconds: 1,
      label: 'test',
      checkpoint: { path: run.file('checkpoint.bin'), meta: () => ({}) },
      record: (m) => ({ line: m, loss: 0 }),
    });
    expect(out.stoppedByTime).toBe(true);
    expect(trainer.iteration).toBeGreaterThan(0);
    expect(trainer.iteration).toBeLessThan(100);
    expect(existsSync(run.file('checkpoint.bin'))).toBe(true);
  });

  it('on divergence: saves the last good state, releases, throws a DivergenceError naming the checkpoint', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = await runDir();
    const trainer = fakeTrainer(4);
    let released = false;
    const thrown = await runTrainingLoop(trainer, {
      run,
      iters: 10,
      checkpointEvery: 100,
      label: 'test',
      checkpoint: { path: run.file('checkpoint.bin'), meta: () => ({}) },
      record: (m) => ({ line: m, loss: 0 }),
      onDivergence: () => (released = true),
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DivergenceError);
    expect((thrown as DivergenceError).checkpoint).toBe(run.file('checkpoint.bin'));
    expect((thrown as Error).message).toBe(
      `training diverged at iteration 4: loss term 'objective' (NaN) is not finite (weights kept from the last good iteration); checkpoint ${run.file('checkpoint.bin')} holds the last good weights`,
    );
    expect(released).toBe(true);
    expect(lines(run)).toHaveLength(4);
    const ckpt = await loadCheckpoint(run.file('checkpoint.bin'))();
    expect(E.isRight(ckpt) && ckpt.right.meta['iteration']).toBe(4);
  });

  it('logs every logEvery-th iteration and the last, and does nothing for a trainer already at iters', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = await runDir();
    const trainer = fakeTrainer();
    const loop = {
      run,
      iters: 7,
      checkpointEvery: 100,
      logEvery: 3,
      label: 'test',
      checkpoint: { path: run.file('checkpoint.bin'), meta: () => ({}) },
      record: (m: StepMetrics) => ({ line: { iteration: m.iteration }, loss: 0 }),
    };
    await runTrainingLoop(trainer, loop);
    expect(lines(run).map((l) => l['iteration'])).toEqual([2, 5, 6]);
    const saves = trainer.saves;
    const again = await runTrainingLoop(trainer, loop);
    expect(again).toEqual({ trainSeconds: 0, stoppedByTime: false });
    expect(trainer.saves).toBe(saves);
  });
});
