/**
 * `tabular sample` (Nx target tabular:sample): draws rows from a trained tabular run with its EMA
 * weights, by any sampler of @diffflow/likelihood's registry (`--sampler` and its settings as flags,
 * `@diffflow/runs`' samplerFlags), on the run's fixed grid, and writes them in the dataset's own
 * coordinates (x = y·σ + μ of the run's train-fitted standardiser).
 */
import * as t from 'io-ts';
import { fixedGrid, purposeSeed } from '@diffflow/sde-core';
import { columnMeans, columnStds, destandardize } from '@diffflow/datasets';
import { checkSamplerForModel, documented, orThrow, samplerFlags, samplerSettings } from '@diffflow/cli';
import { openSampleDir, sampleOnPool, withEmaRun } from '@diffflow/experiment';
import { defaultOut, tabularDefaults } from './config.js';
import { loadEmaRun } from './eval.js';
import { tabularModelSpec } from './model.js';

// a tabular run has no worker pool (tabular:train runs on one thread): every sampler flag but --workers
const { workers: _workers, ...oneThreadFlags } = samplerFlags;

/**
 * The flags of `tabular sample`, every one optional, each checked against its range: the run folder
 * and the sampler flags (`--n` default {@link tabularSampleDefaults}, `--steps` and `--seed` the run's).
 */
export const SampleFlags = t.exact(
  t.partial({
    run: documented(t.string, 'The training run folder (holds checkpoint.bin).', "tabular:train's default folder"),
    ...oneThreadFlags,
  }),
);
export type SampleFlags = t.TypeOf<typeof SampleFlags>;

/** Defaults of the `tabular sample` flags that do not come from the run. */
export const tabularSampleDefaults = { n: 1000 } as const;

/**
 * Draws rows from a tabular checkpoint (see the file's comment). Writes samples.npy (float32 [n, D],
 * dataset coordinates), config.json and summary.json (the sampler, its settings, the time, and the
 * samples' per-coordinate mean and std beside the train split's, which the checkpoint's standardiser
 * holds) into --out (default `<run>/sample-…` named by the sampler and its settings). A bad flag, a
 * setting of another sampler or a sampler that cannot run the model: one error, exit 2, nothing written.
 */
export async function sampleTabular(flags: SampleFlags): Promise<void> {
  const runPath = flags.run ?? defaultOut(tabularDefaults);
  await withEmaRun(loadEmaRun(runPath), async (loaded) => {
    const { config, standardizer, model } = loaded;
    const settings = samplerSettings(flags, { n: tabularSampleDefaults.n, steps: config.steps, seed: config.seed });
    const { n, steps, lambda, seed, denoise, sampler } = settings;
    checkSamplerForModel(sampler, model);
    const { dir, label } = await openSampleDir(runPath, flags.out, settings);
    // one thread, in-process (no worker): the pool's draw keys each row as sampleWith does
    const pool = { spec: tabularModelSpec(config, standardizer.dim), strategy: config.strategy, threads: 1 };
    const grid = fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta });
    const { values: drawn, ms } = await sampleOnPool(pool, model, { grid, n, shape: [standardizer.dim], seed: purposeSeed(seed, 'sample'), sampler });
    const values = destandardize(standardizer, drawn);
    const rows = { data: values, rows: n, cols: standardizer.dim };
    const mean = columnMeans(rows);
    const moments = { mean: Array.from(mean), std: Array.from(columnStds(rows, 0, mean)) };
    await orThrow(dir.writeNpy('samples.npy', values, [n, standardizer.dim]));
    await orThrow(
      dir.writeSummary({
        run: runPath,
        dataset: config.dataset,
        checkpointIteration: loaded.iteration,
        weights: 'ema',
        n,
        dim: standardizer.dim,
        steps,
        lambda,
        seed,
        denoise,
        sampler,
        samplingMs: ms,
        samples: moments,
        train: { mean: standardizer.mean, std: standardizer.std },
        units: "dataset's own coordinates; samples: per-coordinate mean and population std of the rows drawn, train: of the train split (the run's standardiser)",
      }),
    );
    const worst = Math.max(...moments.mean.map((m, j) => Math.abs(m - standardizer.mean[j]!) / standardizer.std[j]!));
    console.error(`[tabular] ${n} rows of ${config.dataset} (D = ${standardizer.dim}, N = ${steps}, ${label}) in ${(ms / 1000).toFixed(1)} s; largest |mean − train mean| ${worst.toFixed(3)} train σ → ${dir.path}`);
  });
}
