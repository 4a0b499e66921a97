import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { suiteTempDir } from '@diffflow/test-utils';
import { orThrow } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import type { BackendInfo } from '@diffflow/backend';
import type { StepMetrics, Trainer, TrainerState } from '@diffflow/training';
import { CHECKPOINT_FILE, trainRun } from './training.js';

afterEach(() => vi.restoreAllMocks());
const root = suiteTempDir('diffflow-train-run-');
const backend: BackendInfo = { name: 'cpu', provider: 'test', tfjsVersion: '0' };

/** A stand-in trainer: iterations 0, 1 are score warm-up; iteration i takes ms[i] and has bound 10 − i; 5 + 7 parameters. */
function fakeTrainer(ms: readonly number[]): Trainer {
  let iteration = 0;
  const phaseAt = (i: number) => (i < 2 ? 'score-warmup' : 'trajectory-kl');
  const fake = {
    model: { sde: { drift: { parameterCount: 5 } }, score: { parameterCount: 7 } },
    get iteration() {
      return iteration;
    },
    step(): StepMetrics {
      const m = { iteration, phase: phaseAt(iteration), steps: 2, lr: 1, objective: iteration, bound: 10 - iteration, boundPerDim: 1, terminal: 0, backwardEnergy: 0, forwardEnergy: 0, gradNorm: 1, retries: 0, ms: ms[iteration] ?? 1 } as const;
      iteration += 1;
      return m;
    },
    state: (): TrainerState => ({ iteration, adamStep: iteration, emaUpdates: iteration, tensors: new Map([['param/w', tf.scalar(iteration)]]) }),
    restore: (state: TrainerState) => {
      iteration = state.iteration;
    },
    phaseAt,
  };
  return fake as unknown as Trainer;
}

const settings = { dataset: 'x', iters: 6, checkpointEvery: 4, resume: false };
const ms = [100, 90, 5, 1, 3, 7, 2, 4];

describe('trainRun', () => {
  it('writes config.json (config, backend, versions, parameters, extra), one metrics line per iteration and the checkpoint; times and losses per phase', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = await orThrow(openRunDir(`${root}/a`, { config: settings, resume: false }));
    const before = tf.memory().numTensors;
    const done = await trainRun(fakeTrainer(ms), { name: 'test', label: 'test x', run, config: settings, backend, configExtra: { rows: 3 }, meta: () => ({ k: 1 }) });
    expect(tf.memory().numTensors).toBe(before);
    const config = JSON.parse(readFileSync(run.file('config.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(config)).toEqual(['dataset', 'iters', 'checkpointEvery', 'resume', 'backend', 'versions', 'parameters', 'rows']);
    expect(config).toMatchObject({ parameters: 12, rows: 3, backend: { name: 'cpu' } });
    expect(readFileSync(run.file('metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
    expect(done).toMatchObject({ checkpoint: run.file(CHECKPOINT_FILE), parameters: 12, stoppedByTime: false });
    expect(done.msMedian('trajectory-kl')).toBe(4); // 5, 1, 3, 7 → (3 + 5) / 2
    expect(done.msMedian('score-warmup')).toBe(95);
    expect(done.msMedian()).toBe(6); // 100, 90, 5, 1, 3, 7 → (5 + 7) / 2
    expect(done.lossMean(2)).toBe((6 + 5) / 2); // bounds 10 − i of iterations 4, 5
    expect(done.lossMean(50, 'trajectory-kl')).toBe((8 + 7 + 6 + 5) / 4);
  });

  it('resumes from the checkpoint (onResume sees it), counts only its own iterations, and records what `record` returns', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const run = await orThrow(openRunDir(`${root}/b`, { config: settings, resume: false }));
    await trainRun(fakeTrainer(ms), { name: 'test', label: 'test', run, config: { ...settings, iters: 4 }, backend, meta: () => ({ history: [1, 2] }) });
    const seen: unknown[] = [];
    const done = await trainRun(fakeTrainer(ms), {
      name: 'test',
      label: 'test',
      run,
      config: { ...settings, resume: true },
      backend,
      meta: () => ({}),
      onResume: (ckpt) => seen.push(ckpt.meta['history']),
      record: (m) => ({ line: { i: m.iteration }, loss: 2 * m.bound }),
    });
    expect(seen).toEqual([[1, 2]]);
    expect(log.mock.calls.map((c) => String(c[0])).join('')).toContain(`[test] resumed from ${run.file(CHECKPOINT_FILE)} at iteration 4`);
    expect(done.msMedian()).toBe(5); // iterations 4, 5 only: 3, 7
    expect(done.msMedian('score-warmup')).toBeNull();
    expect(done.lossMean(50, 'score-warmup')).toBeNull();
    expect(done.lossMean(50)).toBe((12 + 10) / 2);
    const lines = readFileSync(run.file('metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines.slice(-2)).toEqual(['{"i":4}', '{"i":5}']);
  });

  it('refuses a missing checkpoint when resuming, naming the file, before writing config.json', async () => {
    const run = await orThrow(openRunDir(`${root}/c`, { config: settings, resume: false }));
    await expect(trainRun(fakeTrainer(ms), { name: 'test', label: 'test', run, config: { ...settings, resume: true }, backend, meta: () => ({}) })).rejects.toThrow(/checkpoint\.bin/);
    expect(() => readFileSync(run.file('config.json'))).toThrow();
  });
});
