import type * as tf from '@tensorflow/tfjs-core';
import { purposeSeed, vpForwardChain, type TimeGrid } from '@diffflow/sde-core';
import { defaultSamplerName, type SampleRequest, type SamplerSpec } from '@diffflow/likelihood';
import type { BackendInfo } from '@diffflow/backend';
import { seededImages, toImageBytes, type ImageDataset } from '@diffflow/datasets';
import { ddpmLoss } from '@diffflow/losses';
import { orThrow, trainerSettings } from '@diffflow/cli';
import { resumeTrainer, type RunDir } from '@diffflow/runs';
import { CHECKPOINT_FILE, poolSamples, trainRun, withPool } from '@diffflow/experiment';
import { imageGridPng } from '@diffflow/figures';
import { createTrainer, disposeModel, type ScoreWarmup, type Trainer, type TrainerConfig } from '@diffflow/training';
import type { ImagesConfig, StepSchedule } from './config.js';
import { dataParallel, poolThreads, type DataParallel, type DataParallelOptions } from '@diffflow/parallel';
import { batchSource, imageModel, imageModelSpec, runGrid, type ImageModel } from './model.js';

export { CHECKPOINT_FILE as CHECKPOINT } from '@diffflow/experiment';

/** The trainer settings of an images configuration: progressive N on flexible (or fixed) grids. */
export function trainerConfig(c: ImagesConfig, schedule: StepSchedule): TrainerConfig {
  return {
    ...trainerSettings(c),
    time: {
      tMin: c.tMin,
      tMax: c.T,
      beta: c.beta,
      steps: schedule.steps.length === 1 ? (schedule.steps[0] as number) : { steps: schedule.steps, switchAt: schedule.switchAt },
      flexible: c.flexible,
    },
  };
}

/** One line on the forward process of a model: what f, g and s are. */
export function forwardLine(model: ImageModel, config: ImagesConfig): string {
  if (model.vp === undefined) return `forward 'learned': f = f_θ (U-Net), g = ${config.g}, s = s_θ (U-Net), t ∈ [${config.tMin}, ${config.T}]`;
  return `forward 'vp': f = −½β(t)x + f_θ (U-Net), g = √β(t), β ${model.vp.betaMin} → ${model.vp.betaMax} over [0, 1], s = −ε_θ/σ(t) (U-Net ε_θ), t ∈ [${config.tMin}, ${config.T}]`;
}

/**
 * For forward 'vp': a note when the coarsest training grid (fixed, smallest N of the schedule)
 * makes the Euler–Maruyama forward chain overshoot N(0, I) (a step adding variance β(t)Δt > 1),
 * which the learned drift cannot undo; undefined otherwise.
 */
export function vpGridNote(model: ImageModel, config: ImagesConfig, schedule: StepSchedule): string | undefined {
  if (model.vp === undefined) return undefined;
  const steps = Math.min(...schedule.steps);
  const chain = vpForwardChain(model.vp, runGrid(config, steps));
  if (chain.maxStepVariance <= 1) return undefined;
  return (
    `note: on the fixed N = ${steps} grid, Euler–Maruyama step ${chain.maxStep} of the VP SDE adds variance β(t)Δt = ${chain.maxStepVariance.toFixed(2)} > 1, ` +
    `so the discretised forward chain ends at variance ${chain.variance.toFixed(2)}, not N(0, I) (more steps, --beta closer to 1 or a smaller --betaMax shrink it)`
  );
}

/** A one-line parameter count: drift + score = total. */
export function parameterLine(model: ImageModel): string {
  const d = model.nets.drift.parameterCount;
  const s = model.nets.score.parameterCount;
  return `parameters: drift ${d.toLocaleString('en-US')} + score ${s.toLocaleString('en-US')} = ${(d + s).toLocaleString('en-US')}`;
}

/**
 * The options of the images model's pool (@diffflow/parallel) on `threads` threads, built from
 * {@link imageModelSpec}: `threads − 1` workers and this thread; one thread computes in-process
 * with no worker.
 * @param threads default `poolThreads(config.workers)` (`workers` 0: one per core)
 */
export function imagesPoolOptions(
  config: Pick<ImagesConfig, 'preset' | 'size' | 'T' | 'g' | 'seed' | 'forward' | 'betaMin' | 'betaMax' | 'workers' | 'strategy'>,
  channels: number,
  threads = poolThreads(config.workers),
): DataParallelOptions {
  return { spec: imageModelSpec(config, channels), strategy: config.strategy, threads };
}

/** The pool of {@link imagesPoolOptions}, started; the caller disposes it. */
export const imagesPool = (...args: Parameters<typeof imagesPoolOptions>): Promise<DataParallel> => dataParallel(imagesPoolOptions(...args));

/**
 * The sampling request of the images commands: `grid`, one sample [size, size, C] per row keyed by
 * (purposeSeed(seed, 'sample'), row), `batchSize` 64 rows at once.
 */
export function imageSampleRequest(model: ImageModel, config: Pick<ImagesConfig, 'size'>, grid: TimeGrid, n: number, seed: number): SampleRequest {
  return { grid, n, shape: [config.size, config.size, model.nets.drift.options.channels], seed: purposeSeed(seed, 'sample'), batchSize: 64 };
}

/** The sampler the images commands use when none is named: euler-maruyama with its defaults (sde-core's `defaultLambda`, the Tweedie last step). */
export const defaultImageSampler: SamplerSpec = Object.freeze({ name: defaultSamplerName });

/**
 * Sample images with `model`'s current weights (the caller swaps in the EMA weights) by `sampler`
 * (default euler-maruyama: the backward SDE with the Tweedie last step) on `grid`, split across
 * `pool`'s threads — each row keyed by its index, so the same bytes on one thread or many.
 */
export async function sampleImages(
  pool: DataParallel,
  model: ImageModel,
  config: Pick<ImagesConfig, 'size'>,
  grid: TimeGrid,
  n: number,
  seed: number,
  sampler: SamplerSpec = defaultImageSampler,
): Promise<Uint8Array> {
  return toImageBytes(await poolSamples(pool, model, { ...imageSampleRequest(model, config, grid, n, seed), sampler }));
}

/** The grid PNG of `n` images [n, h, w, c] (bytes), upscaled ×2 (×4 for small images), with `title` above. */
export function gridPng(bytes: Uint8Array, n: number, size: number, channels: number, title?: string): Buffer {
  return imageGridPng(bytes, n, size, size, channels, { scale: size <= 16 ? 4 : 2, gap: 2, ...(title === undefined ? {} : { title }) });
}

/**
 * The score warm-up of forward 'vp' (`warmup` > 0): DDPM's ε-loss of the score U-Net, t ~ U(tMin, T),
 * on batches of `warmupBatch`; undefined otherwise. Its gradients are split across the pool's threads
 * (`pool.ddpmGradientsSync`, each shard its rows of the batch's t and ε; one thread: in-process).
 */
export function scoreWarmup(model: ImageModel, config: ImagesConfig, train: ImageDataset, pool: DataParallel): ScoreWarmup | undefined {
  const vp = model.vp;
  if (config.warmup === 0 || vp === undefined) return undefined;
  const loss = { tMin: config.tMin, tMax: config.T } as const;
  return {
    iterations: config.warmup,
    loss: (x0, iteration, seed) => ddpmLoss(model.nets.score, vp, x0, { seed, iteration, ...loss }),
    gradients: (x0: tf.Tensor, iteration: number, seed: number) => pool.ddpmGradientsSync(model.nets.score, x0, loss, { seed, iteration }),
    data: batchSource(train, config.warmupBatch, purposeSeed(config.seed, 'warmup')),
    lr: config.warmupLr,
  };
}

/**
 * Builds the model and trainer, restoring the checkpoint when resuming. The score warm-up's and the
 * trajectory-KL gradients come from `pool` (see {@link imagesPool}: `pool.ddpmGradientsSync`,
 * `pool.gradientsSync`), split across its threads.
 */
export async function buildTrainer(config: ImagesConfig, schedule: StepSchedule, train: ImageDataset, ckptPath: string, pool: DataParallel): Promise<{ model: ImageModel; trainer: Trainer }> {
  const model = imageModel(config, train.channels);
  const warmup = scoreWarmup(model, config, train, pool);
  const trainer = createTrainer(
    model,
    { ...trainerConfig(config, schedule), ...(warmup === undefined ? {} : { warmup }), gradients: pool.gradientsSync },
    batchSource(train, config.batchSize, config.seed),
  );
  if (config.resume) {
    await resumeTrainer(trainer, ckptPath);
    console.error(`[images] resumed from ${ckptPath} at iteration ${trainer.iteration}`);
  }
  return { model, trainer };
}

/**
 * Trains DiffFlow on images and writes the run folder: config.json, metrics.jsonl (one line per
 * iteration), checkpoint.bin (atomic, every `checkpointEvery` iterations and at the end),
 * samples.png (EMA weights, N = sampleSteps, by `sampler`: default `config.sampler` with its default
 * settings), data.png, summary.json.
 */
export async function trainImages(
  config: ImagesConfig,
  schedule: StepSchedule,
  data: { train: ImageDataset; heldOut: ImageDataset },
  run: RunDir,
  backend: BackendInfo,
  sampler: SamplerSpec = { name: config.sampler },
): Promise<void> {
  // --workers: the score warm-up's and the trajectory-KL gradients and the final samples split across threads (one per core by default)
  await withPool(imagesPoolOptions(config, data.train.channels), (pool) => trainOn(pool, config, schedule, data, run, backend, sampler));
}

async function trainOn(
  pool: DataParallel,
  config: ImagesConfig,
  schedule: StepSchedule,
  data: { train: ImageDataset; heldOut: ImageDataset },
  run: RunDir,
  backend: BackendInfo,
  sampler: SamplerSpec,
): Promise<void> {
  // trainRun resumes (and logs it), not buildTrainer
  const { model, trainer } = await buildTrainer({ ...config, resume: false }, schedule, data.train, run.file(CHECKPOINT_FILE), pool);
  const threads = pool.shards;
  const channels = data.train.channels;
  console.error(`[images] ${config.data} ${config.size}×${config.size}×${channels}: ${data.train.n} train, ${data.heldOut.n} held out; preset ${config.preset}`);
  console.error(`[images] U-Net (each of drift, score):\n${model.nets.drift.describe()}`);
  console.error(`[images] ${parameterLine(model)}`);
  console.error(`[images] ${threads === 1 ? 'one thread' : `score warm-up, trajectory KL and samples on ${threads} threads (--workers=1: one)`}`);
  console.error(`[images] ${forwardLine(model, config)}`);
  const note = vpGridNote(model, config, schedule);
  if (note !== undefined) console.error(`[images] ${note}`);
  if (config.warmup > 0) {
    console.error(
      `[images] score warm-up: iterations 0…${config.warmup - 1} train the score alone (DDPM ε-loss, batch ${config.warmupBatch}, Adam ${config.warmupLr}), ` +
        `then the trajectory KL (batch ${config.batchSize}, Adam ${config.lr})`,
    );
  }
  const dim = config.size * config.size * channels;
  const done = await trainRun(trainer, {
    name: 'images',
    label: `images ${config.data}`,
    run,
    config,
    backend,
    configExtra: { trainImages: data.train.n, heldOutImages: data.heldOut.n },
    meta: () => ({ config, channels, backend: backend.name }),
    record: (m) => ({ line: m, loss: m.phase === 'score-warmup' ? m.objective / dim : m.boundPerDim }),
  });
  if (done.stoppedByTime) console.error(`[images] stopped at iteration ${trainer.iteration} after maxSeconds = ${config.maxSeconds}`);

  const sampleStart = performance.now();
  const n = config.samples;
  const grid = trainer.evaluationGrid(config.sampleSteps);
  const bytes = await trainer.ema.withAveragedAsync(() => sampleImages(pool, model, config, grid, n, config.seed, sampler));
  const sampleMs = performance.now() - sampleStart;
  await orThrow(run.writePng('samples.png', gridPng(bytes, n, config.size, channels, `${config.data}: samples, iteration ${trainer.iteration}`)));
  const shown = seededImages(data.heldOut, n, config.seed, 'plot/data');
  await orThrow(run.writePng('data.png', gridPng(shown.images, shown.n, config.size, channels, `${config.data}: data`)));
  await orThrow(
    run.writeSummary({
      data: config.data,
      preset: config.preset,
      forward: config.forward,
      parameters: done.parameters,
      iterations: trainer.iteration,
      stoppedByTime: done.stoppedByTime,
      stepsAtEnd: trainer.stepsAt(Math.max(0, trainer.iteration - 1)),
      backend: backend.name,
      trainSeconds: done.trainSeconds,
      warmup: config.warmup,
      msPerWarmupIterationMedian: done.msMedian('score-warmup'),
      msPerIterationMedian: done.msMedian('trajectory-kl'),
      trainBoundPerDimLast20: done.lossMean(20, 'trajectory-kl'),
      units:
        'trainBoundPerDimLast20: negative ELBO per dimension in nats, model coordinates [−1, 1], no dequantisation (training batches, trajectory-KL iterations); ' +
        'ms medians over this process\'s iterations (a resumed run counts only its own)',
      samples: n,
      sampleSteps: config.sampleSteps,
      sampler,
      samplingMs: sampleMs,
      threads,
    }),
  );
  trainer.dispose();
  disposeModel(model);
  console.error(`[images] done: ${run.path}`);
}
