import * as t from 'io-ts';
import { fixedGrid, purposeSeed } from '@diffflow/sde-core';
import { checkSamplerForModel, documented, oneOf, orThrow, samplerFlags, samplerSettings } from '@diffflow/cli';
import { openSampleDir, sampleOnPool, withEmaRun } from '@diffflow/experiment';
import { scatterPng } from '@diffflow/figures';
import { poolThreads } from '@diffflow/parallel';
import { defaultOut, toy2dDatasets, toy2dDefaults } from './config.js';
import { loadEmaRun } from './eval.js';
import { plotBounds, toy2dData } from './model.js';
import { insideFraction, toyPoolOptions } from './train.js';

/** Fewest samples `sample` splits across threads (a worker starts in ≈ 1–2 s; one thread draws 10k points at N = 30 in ≈ 4 s). */
export const parallelFrom = 2000;

/**
 * The flags of `toy2d sample`, every one optional (defaults from the run), each checked against its
 * range: the run folder, the dataset that names its default, and `@diffflow/cli`'s sampler flags
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
 * Draws samples from a toy2d checkpoint with its EMA weights: `--sampler` (default euler-maruyama
 * with sde-core's `defaultLambda`, the Tweedie last step) with its settings on the fixed grid. Writes samples.npy
 * (float32 [n, 2], in the dataset's own coordinates), samples.png and summary.json, whose
 * `insideSupport` is the fraction of the samples inside the data set's support (null for a set
 * without a known one), as `toy2d:train` reports it for its own samples.
 */
export async function sampleToy2d(flags: SampleFlags): Promise<void> {
  const runPath = flags.run ?? defaultOut({ dataset: flags.dataset ?? toy2dDefaults.dataset, seed: 0 });
  await withEmaRun(loadEmaRun(runPath), async ({ config, normalizer, model }) => {
    const settings = samplerSettings(flags, { n: config.samples, steps: config.steps, seed: config.seed });
    const { n, steps, lambda, seed, denoise, workers, sampler } = settings;
    checkSamplerForModel(sampler, model);
    const { dir, label } = await openSampleDir(runPath, flags.out, settings);
    const grid = fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta });
    const pool = toyPoolOptions(config, n >= parallelFrom ? poolThreads(workers) : 1);
    const { values: drawn, ms, threads } = await sampleOnPool(pool, model, { grid, n, shape: [2], seed: purposeSeed(seed, 'sample'), sampler });
    const values = normalizer.denormalize(drawn);
    const data = toy2dData(config);
    const inside = insideFraction(data, values);
    await orThrow(dir.writeNpy('samples.npy', values, [n, 2]));
    await orThrow(dir.writePng('samples.png', scatterPng(values, { size: 480, bounds: plotBounds(data, config.seed), title: `${config.dataset}: samples, N = ${steps}, ${label}`, xLabel: 'x1', yLabel: 'x2' })));
    await orThrow(dir.writeSummary({ n, steps, lambda, seed, denoise, sampler, samplingMs: ms, threads, insideSupport: inside }));
    console.error(`[toy2d] ${n} samples (N = ${steps}, ${sampler.name === 'euler-maruyama' ? `λ = ${lambda}` : label}) in ${ms.toFixed(0)} ms${inside === null ? '' : `, ${(100 * inside).toFixed(1)} % inside the support`} → ${dir.path}`);
  });
}
