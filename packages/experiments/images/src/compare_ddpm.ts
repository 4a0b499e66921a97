/**
 * The DDPM baseline of images:compare, built from the images experiment's own parts: the VP SDE with
 * DiffFlow's ε-parameterised score U-Net (`imageModel` with forward 'vp'), trained by DDPM's ε-loss
 * (`ddpmLoss`) exactly as DiffFlow's score warm-up trains it (`buildTrainer`'s `scoreWarmup`: the
 * same initial weights, batches, draws, Adam and, with --workers, the same data-parallel split),
 * only for more iterations and never followed by the trajectory KL. Its first `warmup` iterations are
 * therefore DiffFlow's warm-up, iteration for iteration: the two models differ only in how the rest
 * of the budget is spent.
 */
import type { ModelSpec } from '@diffflow/networks';
import { dataParallel, type DataParallel } from '@diffflow/parallel';
import type { ImageDataset } from '@diffflow/datasets';
import { ddpmModel } from '@diffflow/losses';
import { runTrainingLoop, type RunDir } from '@diffflow/runs';
import type { Trainer } from '@diffflow/training';
import type { ImagesConfig, StepSchedule } from './config.js';
import type { ImageModel } from './model.js';
import { imageModelSpec } from './model.js';
import { buildTrainer, CHECKPOINT } from './train.js';

/**
 * The images:train configuration of a DDPM baseline of `iterations` iterations for a DiffFlow
 * configuration: all of them score warm-up (`warmup` = iterations; `iters` one more, the first
 * trajectory-KL iteration, which is never run), so the checkpoint loads as an images run whose
 * learned drift f_θ is still exactly 0 (its last convolution starts at zero and gets no gradient).
 */
export function ddpmTrainConfig(diffflow: ImagesConfig, iterations: number, out: string): ImagesConfig {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`ddpmTrainConfig: iterations must be an integer ≥ 1, got ${iterations}`);
  if (diffflow.forward !== 'vp') throw new RangeError(`ddpmTrainConfig: diffflow.forward must be 'vp', got '${diffflow.forward}'`);
  return { ...diffflow, warmup: iterations, iters: iterations + 1, out, resume: false };
}

/** A trained DDPM baseline: the images model (f_θ ≡ 0) and its trainer (EMA weights inside). */
export interface TrainedDdpm {
  readonly model: ImageModel;
  readonly trainer: Trainer;
}

/**
 * Trains the DDPM baseline into `run` (checkpoint.bin, metrics.jsonl with one 'score-warmup' line per
 * iteration), with the progress bar of every images training. Each iteration's ε-loss gradients come
 * from `pool` (`imagesPool` of the same configuration), split across its threads as DiffFlow's
 * warm-up is.
 */
export async function trainDdpm(config: ImagesConfig, schedule: StepSchedule, train: ImageDataset, run: RunDir, pool: DataParallel, label: string): Promise<TrainedDdpm> {
  const path = run.file(CHECKPOINT);
  const { model, trainer } = await buildTrainer(config, schedule, train, path, pool);
  const dim = config.size * config.size * train.channels;
  await runTrainingLoop(trainer, {
    run,
    iters: config.warmup,
    checkpointEvery: config.checkpointEvery,
    label,
    checkpoint: { path, meta: () => ({ config, channels: train.channels, model: 'ddpm' }) },
    // the same lines as DiffFlow's warm-up iterations in its run (train.ts), so the two compare line by line
    record: (m) => ({ line: m, loss: m.objective / dim }),
  });
  return { model, trainer };
}

/**
 * The DDPM model to sample: the VP SDE and the score −ε_θ/σ(t) of the trained ε-U-Net (losses'
 * `ddpmModel`), without the images model's f_θ ≡ 0 (which would cost a second U-Net per step and add
 * nothing). It keeps `trained`'s `nets` (the sample options read the image shape from them) and
 * shares its variables (dispose `trained` only).
 */
export function ddpmSamplingModel(trained: ImageModel): ImageModel {
  if (trained.vp === undefined) throw new RangeError("ddpmSamplingModel: trained must be an images model with forward 'vp'");
  return { ...ddpmModel(trained.nets.score, trained.vp), nets: trained.nets, vp: trained.vp };
}

/** The {@link ddpmSamplingModel} as a spec (@diffflow/networks), so a pool's workers rebuild it. */
export function ddpmSamplingSpec(config: ImagesConfig, channels: number): ModelSpec {
  const { score } = imageModelSpec(config, channels);
  if (!('kind' in score) || score.kind !== 'scoreFromEpsilon') throw new RangeError(`ddpmSamplingSpec: config.forward must be 'vp' (an ε-parameterised score), got '${config.forward}'`);
  return { sde: { kind: 'vp', betaMin: config.betaMin, betaMax: config.betaMax }, score };
}

/** A pool of `threads` threads (this one included; 1: in-process) that samples the {@link ddpmSamplingModel}. */
export async function ddpmSamplingPool(config: ImagesConfig, channels: number, threads: number): Promise<DataParallel> {
  return dataParallel({ spec: ddpmSamplingSpec(config, channels), strategy: config.strategy, threads });
}
