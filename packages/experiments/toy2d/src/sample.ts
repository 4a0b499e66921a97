import * as t from 'io-ts';
import { fixedGrid, purposeSeed } from '@diffflow/sde-core';
import { sampleMarginal } from '@diffflow/likelihood';
import { documented, oneOf, openRunDir, orThrow, samplerFlags, samplerSettings, scatterPng } from '@diffflow/runs';
import { defaultOut, toy2dDatasets, toy2dDefaults } from './config.js';
import { loadEmaRun } from './eval.js';
import { disposeModel } from '@diffflow/training';
import { plotBounds, toy2dData } from './model.js';
import { toyPool } from './parallel.js';
import { insideFraction } from './train.js';

/** Fewest samples `sample` splits across threads (a worker starts in ≈ 1–2 s; one thread draws 10k points at N = 30 in ≈ 4 s). */
export const parallelFrom = 2000;

/**
 * The flags of `toy2d sample`, every one optional (defaults from the run), each checked against its
 * range: the run folder, the dataset that names its default, and `@diffflow/runs`' sampler flags
 * (`--n` default the run's `samples`, `--steps` the run's `steps`; `--workers` counts from
 * `parallelFrom` samples on, below that a worker's start-up costs more than it saves).
 */
export const SampleFlags = t.exact(
  t.partial({
    run: documented(t.string, 'The training run folder (holds checkpoint.bin).', "toy2d:train's default folder for --dataset and seed 0"),
    dataset: documented(oneOf(toy2dDatasets), 'Only names the default run folder.', `'${toy2dDefaults.dataset}'`),
    ...samplerFlags,
  }),
);
export type SampleFlags = t.TypeOf<typeof SampleFlags>;

/**
 * Draws samples from a toy2d checkpoint with its EMA weights: the λ-family sampler (λ = 1, the
 * backward SDE, by default) on the fixed grid, noise-free last step. Writes samples.npy
 * (float32 [n, 2], in the dataset's own coordinates), samples.png and summary.json, whose
 * `insideSupport` is the fraction of the samples inside the data set's support (null for a set
 * without a known one), as `toy2d:train` reports it for its own samples.
 */
export async function sampleToy2d(flags: SampleFlags): Promise<void> {
  const runPath = flags.run ?? defaultOut({ dataset: flags.dataset ?? toy2dDefaults.dataset, seed: 0 });
  const { config, normalizer, model } = await orThrow(loadEmaRun(runPath));
  const { n, steps, lambda, seed, denoise, workers } = samplerSettings(flags, { n: config.samples, steps: config.steps, seed: config.seed });
  const out = flags.out ?? `${runPath}/sample-n${n}-N${steps}-lambda${lambda}-seed${seed}`;
  const identity = { run: runPath, n, steps, lambda, seed, denoise };
  let dir;
  try {
    dir = await orThrow(openRunDir(out, { config: identity, resume: true }));
    await orThrow(dir.writeConfig(identity));
  } catch (e) {
    disposeModel(model);
    throw e;
  }

  let pool;
  try {
    pool = n >= parallelFrom ? await toyPool({ ...config, workers }) : undefined;
  } catch (e) {
    disposeModel(model);
    throw e;
  }
  const started = performance.now();
  const options = { grid: fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta }), lambda, n, shape: [2], seed: purposeSeed(seed, 'sample'), denoise };
  let values: Float32Array;
  try {
    const samples = pool === undefined ? sampleMarginal(model, options).samples : await pool.sample(model, options);
    values = normalizer.denormalize(samples.dataSync() as Float32Array);
    samples.dispose();
  } finally {
    await pool?.dispose();
  }
  const ms = performance.now() - started;
  const data = toy2dData(config);
  const inside = insideFraction(data, values);
  const bounds = plotBounds(data, config.seed);
  await orThrow(dir.writeNpy('samples.npy', values, [n, 2]));
  await orThrow(dir.writePng('samples.png', scatterPng(values, { size: 480, bounds, title: `${config.dataset}: samples, N = ${steps}, lambda = ${lambda}`, xLabel: 'x1', yLabel: 'x2' })));
  await orThrow(dir.writeSummary({ n, steps, lambda, seed, denoise, samplingMs: ms, threads: pool?.shards ?? 1, insideSupport: inside }));
  disposeModel(model);
  console.error(`[toy2d] ${n} samples (N = ${steps}, λ = ${lambda}) in ${ms.toFixed(0)} ms${inside === null ? '' : `, ${(100 * inside).toFixed(1)} % inside the support`} → ${out}`);
}
