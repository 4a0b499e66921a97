import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { checkSamplerForModel, documented, fileMalformed, orThrow, resolveConfig, samplerFlags, samplerSettings } from '@diffflow/cli';
import { CHECKPOINT_FILE, openSampleDir, sampleOnPool } from '@diffflow/experiment';
import { loadEmaModel, storedConfig } from '@diffflow/runs';
import { checkImagesConfig, defaultOut, ImagesConfig, storedDefaultsFor, type StepSchedule } from './config.js';
import { toImageBytes } from '@diffflow/datasets';
import { imageModel, runGrid, type ImageModel } from './model.js';
import { disposeModel } from '@diffflow/training';
import { poolThreads } from '@diffflow/parallel';
import { gridPng, imageSampleRequest, imagesPoolOptions } from './train.js';

/**
 * The flags of `images sample`, every one optional (defaults below or from the run), each checked
 * against its range: the run folder and `@diffflow/cli`'s sampler flags (`--n` default 64,
 * `--steps` the run's `sampleSteps`).
 */
export const SampleFlags = t.exact(
  t.partial({
    run: documented(t.string, 'The training run folder (holds checkpoint.bin).', "the cpu MNIST run's default folder"),
    ...samplerFlags,
  }),
);
export type SampleFlags = t.TypeOf<typeof SampleFlags>;

/** Defaults of the `images sample` flags that do not come from the run. */
export const imagesSampleDefaults = { n: 64 } as const;

/** A trained run: its configuration and the model with the checkpoint's EMA weights. */
export interface TrainedRun {
  readonly path: string;
  readonly config: ImagesConfig;
  readonly schedule: StepSchedule;
  readonly channels: number;
  /** Training iterations done. */
  readonly iteration: number;
  readonly model: ImageModel;
}

/** The run folder named by --run (default: the cpu MNIST run's default folder). */
export function runPathOf(flags: { readonly run?: string }): string {
  return flags.run ?? defaultOut({ data: 'mnist', preset: 'cpu', seed: 0 });
}

/**
 * Loads `<run>/checkpoint.bin`, decodes the configuration stored in it strictly (one stored before
 * `forward` existed is a 'learned' run), rebuilds the model (U-Nets in its forward process) and
 * assigns the EMA weights. A missing or bad file exits with one line naming it.
 */
export async function loadTrainedRun(runPath: string): Promise<TrainedRun> {
  const ckptPath = `${runPath}/${CHECKPOINT_FILE}`;
  const loaded = await orThrow(
    loadEmaModel(
      ckptPath,
      (ckpt) => {
        const stored = storedConfig(ckpt);
        return E.chain(checkImagesConfig)(resolveConfig(ImagesConfig, storedDefaultsFor(stored), stored));
      },
      ({ config }, ckpt) => {
        const channels = ckpt.meta['channels'];
        if (channels !== 1 && channels !== 3) return E.left(fileMalformed(ckptPath, `meta.channels must be 1 or 3, got ${String(channels)}`));
        return E.right({ model: imageModel(config, channels), channels });
      },
    ),
  );
  const { config, schedule } = loaded.config;
  return { path: runPath, config, schedule, channels: loaded.channels, iteration: loaded.iteration ?? 0, model: loaded.model };
}


/**
 * Draws a sample grid from a run's checkpoint (EMA weights): `--sampler` with its settings (default
 * euler-maruyama, λ = sde-core's `defaultLambda`, Tweedie last step unless --denoise=false) on the
 * fixed grid with N = --steps (default the run's sampleSteps, 30). Writes samples.png, samples.npy (uint8
 * [n, H, W, C]) and summary.json into --out (default `<run>/sample-…`).
 */
export async function sampleImagesCommand(flags: SampleFlags): Promise<void> {
  const runPath = runPathOf(flags);
  const run = await loadTrainedRun(runPath);
  const settings = samplerSettings(flags, { n: imagesSampleDefaults.n, steps: run.config.sampleSteps, seed: run.config.seed });
  const { n, steps, lambda, seed, denoise, workers, sampler } = settings;
  checkSamplerForModel(sampler, run.model);
  const { dir, label } = await openSampleDir(runPath, flags.out, settings, { iteration: run.iteration });
  const pool = imagesPoolOptions(run.config, run.channels, n > 1 ? poolThreads(workers) : 1);
  const request = { ...imageSampleRequest(run.model, run.config, runGrid(run.config, steps), n, seed), sampler };
  const { values, ms, threads } = await sampleOnPool(pool, run.model, request);
  const bytes = toImageBytes(values);
  const { size } = run.config;
  await orThrow(dir.writeNpy('samples.npy', bytes, [n, size, size, run.channels]));
  await orThrow(dir.writePng('samples.png', gridPng(bytes, n, size, run.channels, `samples, iteration ${run.iteration}, N = ${steps}, ${label}`)));
  await orThrow(dir.writeSummary({ iteration: run.iteration, forward: run.config.forward, n, steps, lambda, seed, denoise, sampler, samplingMs: ms, threads }));
  disposeModel(run.model);
  console.error(`[images] ${n} samples (N = ${steps}, ${sampler.name === 'euler-maruyama' ? `λ = ${lambda}${denoise ? ', Tweedie last step' : ''}` : label}) in ${(ms / 1000).toFixed(1)} s → ${dir.path}/samples.png`);
}
