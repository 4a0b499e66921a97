/**
 * `tabular sample` (Nx target tabular:sample): draws rows from a trained tabular run with its EMA
 * weights, by any sampler of @diffflow/likelihood's registry (`--sampler` and its settings as flags,
 * `@diffflow/runs`' samplerFlags), on the run's fixed grid, and writes them in the dataset's own
 * coordinates (x = y·σ + μ of the run's train-fitted standardiser).
 */
import * as t from 'io-ts';
import * as tf from '@tensorflow/tfjs-core';
import { fixedGrid, purposeSeed, type DiffusionModel } from '@diffflow/sde-core';
import { sampleWith, type SamplerSpec } from '@diffflow/likelihood';
import { destandardize, type Standardizer } from '@diffflow/datasets';
import { checkSamplerForModel, documented, orThrow, samplerFlags, samplerSettings } from '@diffflow/cli';
import { openSampleDir } from '@diffflow/experiment';
import { disposeModel } from '@diffflow/training';
import { defaultOut, tabularDefaults, type TabularConfig } from './config.js';
import { loadEmaRun } from './eval.js';

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

/** What {@link drawTabularSamples} needs of a run: its grid settings, standardiser and model (EMA weights). */
export interface SampleableRun {
  readonly config: Pick<TabularConfig, 'tMin' | 'T' | 'beta'>;
  readonly standardizer: Standardizer;
  readonly model: DiffusionModel;
}

/**
 * `n` rows drawn by `sampler` on the run's fixed grid with `steps` steps (uniform in t^β over
 * [tMin, T]), noise keyed by `purposeSeed(seed, 'sample')`, in the dataset's coordinates:
 * float32 [n, D] row-major. Tidy: leaves no tensor behind, also when the sampler throws.
 */
export function drawTabularSamples(run: SampleableRun, sampler: SamplerSpec, n: number, steps: number, seed: number): Float32Array {
  const grid = fixedGrid({ steps, tMin: run.config.tMin, tMax: run.config.T, beta: run.config.beta });
  const y = tf.tidy(() => sampleWith(sampler, run.model, { grid, n, shape: [run.standardizer.dim], seed: purposeSeed(seed, 'sample') }).samples);
  try {
    return destandardize(run.standardizer, y.dataSync());
  } finally {
    y.dispose();
  }
}

/** Per-coordinate mean and population standard deviation of rows x: [n, dim] row-major (float64 sums). */
export function columnMoments(x: ArrayLike<number>, dim: number): { readonly mean: number[]; readonly std: number[] } {
  if (!Number.isInteger(dim) || dim < 1 || x.length % dim !== 0 || x.length === 0) throw new RangeError(`columnMoments: x must be [n ≥ 1, ${dim}] row-major, got length ${x.length}`);
  const n = x.length / dim;
  const mean = new Array<number>(dim).fill(0);
  const sq = new Array<number>(dim).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % dim]! += x[i]! / n;
  for (let i = 0; i < x.length; i++) sq[i % dim]! += (x[i]! - mean[i % dim]!) ** 2 / n;
  return { mean, std: sq.map(Math.sqrt) };
}

/**
 * Draws rows from a tabular checkpoint (see the file's comment). Writes samples.npy (float32 [n, D],
 * dataset coordinates), config.json and summary.json (the sampler, its settings, the time, and the
 * samples' per-coordinate mean and std beside the train split's, which the checkpoint's standardiser
 * holds) into --out (default `<run>/sample-…` named by the sampler and its settings). A bad flag, a
 * setting of another sampler or a sampler that cannot run the model: one error, exit 2, nothing written.
 */
export async function sampleTabular(flags: SampleFlags): Promise<void> {
  const runPath = flags.run ?? defaultOut(tabularDefaults);
  const loaded = await orThrow(loadEmaRun(runPath));
  try {
    const { config, standardizer, model } = loaded;
    const settings = samplerSettings(flags, { n: tabularSampleDefaults.n, steps: config.steps, seed: config.seed });
    const { n, steps, lambda, seed, denoise, sampler } = settings;
    checkSamplerForModel(sampler, model);
    const { dir, label } = await openSampleDir(runPath, flags.out, settings);
    const started = performance.now();
    const values = drawTabularSamples(loaded, sampler, n, steps, seed);
    const ms = performance.now() - started;
    const moments = columnMoments(values, standardizer.dim);
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
  } finally {
    disposeModel(loaded.model);
  }
}
