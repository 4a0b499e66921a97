import { existsSync } from 'node:fs';
import { fourierMlp, type VectorField } from '@diffflow/networks';
import { vpSchedule, type DiffusionModel, type VpSchedule, purposeSeed } from '@diffflow/sde-core';
import { ddpmEpsilonNetworkOptions, fourierMlpParameterCount } from '@diffflow/losses';
import type { Normalizer, ToyName } from '@diffflow/datasets';
import { trainerSettings } from '@diffflow/cli';
import { METRICS_FILE, readTrainingHistory, resumeTrainer, runTrainingLoop, summarizeHistory, type HistorySummary, type Restorable, type RunDir, type RunTrainable } from '@diffflow/runs';
import { createDdpmTrainer, createTrainer, disposeModel, type DdpmTrainer, type Trainer, type TrainerConfig } from '@diffflow/training';
import { toyBatch, toyModel, toyPool } from '@diffflow/experiment-toy2d';
import type { DataParallel } from '@diffflow/parallel';
import type { CompareModel } from '@diffflow/experiment';
import { budgetFor, type CompareConfig } from './config.js';

/**
 * What one model's training did, over every process that trained it (read back from
 * metrics.jsonl: runs' `summarizeHistory`, `lossLast50` the mean of the last 50 logged iterations).
 * Losses are nats per sample in the model's normalised coordinates (DiffFlow: the trajectory bound; DDPM: L_simple).
 */
export interface TrainingRecord extends HistorySummary {
  readonly dataset: ToyName;
  readonly model: CompareModel;
  readonly iterations: number;
  readonly batch: number;
  /** Iterations run in this process (fewer than `iterations` when resumed from a checkpoint). */
  readonly iterationsThisRun: number;
  readonly parameters: number;
  /** The logged losses (DiffFlow: every iteration; DDPM: every 10th), for the training-curve figure. */
  readonly curve: { readonly iterations: readonly number[]; readonly losses: readonly number[] };
}

/** Parameter counts: DiffFlow's two networks together, and the DDPM ε-network sized to match. */
export function parameterCounts(c: CompareConfig): { diffflow: number; ddpm: number; ddpmHidden: number } {
  const eps = ddpmEpsilonNetworkOptions({ dim: 2, hidden: c.diffflow.hidden, layers: c.diffflow.layers });
  return {
    diffflow: 2 * fourierMlpParameterCount({ dim: 2, hidden: c.diffflow.hidden, layers: c.diffflow.layers }),
    ddpm: fourierMlpParameterCount(eps),
    ddpmHidden: eps.hidden ?? 0,
  };
}

/** How a model is trained. */
export interface TrainOptions {
  /** Continue from the model's checkpoint when it has one (--resume). */
  readonly resume: boolean;
  /** Force plain progress lines (false) instead of a live bar on a terminal (two threads share stderr). */
  readonly progressTty?: boolean;
  /** Say so on stderr when a checkpoint is loaded (default true). */
  readonly announce?: boolean;
}

/** One model of the comparison to train: its trainer and what its record and metrics lines hold. */
interface ModelRun<M> {
  readonly dataset: ToyName;
  readonly model: CompareModel;
  readonly iters: number;
  readonly batch: number;
  readonly parameters: number;
  readonly logEvery: number;
  /** The metrics line's fields after phase/dataset/model, and the loss the bar shows (and the record's curve reads, by `lossKey`). */
  readonly lossKey: 'bound' | 'loss';
  readonly line: (m: M) => object;
}

/**
 * Trains one model of the comparison with the shared loop (`runTrainingLoop`) into
 * models/<dataset>-<model>.bin — resumed from there when asked and it exists, lines tagged with the
 * dataset and model, checkpoints every `checkpointEvery` iterations and at the end — and returns
 * its record, read back from the run's whole metrics.jsonl.
 */
async function trainModel<M extends { readonly ms: number }>(
  config: CompareConfig,
  run: RunDir,
  trainer: RunTrainable<M> & Restorable,
  normalizer: Normalizer,
  options: TrainOptions,
  spec: ModelRun<M>,
): Promise<TrainingRecord> {
  const { dataset, model } = spec;
  const path = run.file(`models/${dataset}-${model}.bin`);
  if (options.resume && existsSync(path)) {
    await resumeTrainer(trainer, path);
    if (options.announce !== false) console.error(`[compare] ${dataset} ${model}: resumed from ${path} at iteration ${trainer.iteration}`);
  }
  const resumedAt = trainer.iteration;
  await runTrainingLoop(trainer, {
    run,
    iters: spec.iters,
    checkpointEvery: config.checkpointEvery,
    logEvery: spec.logEvery,
    label: `compare ${dataset} ${model}`,
    ...(options.progressTty === undefined ? {} : { progressTty: options.progressTty }),
    checkpoint: { path, meta: () => ({ dataset, model, normalizer: normalizer.toJSON() }) },
    record: (m) => {
      const line = spec.line(m) as Record<string, number>;
      return { line: { phase: 'train', dataset, model, ...line }, loss: line[spec.lossKey] as number };
    },
  });
  const history = await readTrainingHistory(run.file(METRICS_FILE), { phase: 'train', dataset, model }, spec.lossKey);
  return {
    dataset,
    model,
    iterations: spec.iters,
    batch: spec.batch,
    iterationsThisRun: spec.iters - resumedAt,
    ...summarizeHistory(history, spec.iters), // seconds, msPerIterationMedian, lossLast50, logged: results.json's order
    parameters: spec.parameters,
    curve: { iterations: history.iterations, losses: history.losses },
  };
}

/** A trained DiffFlow of the comparison. */
export interface TrainedDiffFlow {
  readonly model: DiffusionModel;
  readonly trainer: Trainer;
  /** Where its samples are drawn: toy2d's pool on one thread (in-process, no worker). */
  readonly pool: DataParallel;
  readonly training: TrainingRecord;
  dispose(): void;
}

/**
 * Trains DiffFlow on one dataset exactly as `toy2d:train` does with the same settings (toyModel,
 * createTrainer on the fixed grid, toyBatch data keyed by the root seed), checkpointing to
 * models/<dataset>-diffflow.bin.
 */
export async function trainDiffFlow(config: CompareConfig, run: RunDir, dataset: ToyName, normalizer: Normalizer, options: TrainOptions): Promise<TrainedDiffFlow> {
  const { diffflowIters, diffflowBatch } = budgetFor(config, dataset);
  const d = config.diffflow;
  const shape = { hidden: d.hidden, layers: d.layers, g: d.g, seed: config.seed, T: d.T };
  const model = toyModel(shape);
  const settings: TrainerConfig = {
    ...trainerSettings({ ...d, seed: config.seed, maxRetries: config.maxRetries }),
    time: { tMin: d.tMin, tMax: d.T, beta: d.beta, steps: d.trainSteps, flexible: false },
  };
  const pool = await toyPool({ ...shape, workers: 1, strategy: settings.strategy }, 1);
  const trainer = createTrainer(model, settings, (it) => toyBatch(dataset, normalizer, config.seed, diffflowBatch, it));
  const training = await trainModel(config, run, trainer, normalizer, options, {
    dataset,
    model: 'diffflow',
    iters: diffflowIters,
    batch: diffflowBatch,
    parameters: model.sde.drift.parameterCount + model.score.parameterCount,
    logEvery: 1,
    lossKey: 'bound',
    line: (m) => ({ iteration: m.iteration, bound: m.bound, gradNorm: m.gradNorm, lr: m.lr, retries: m.retries, ms: m.ms }),
  });
  return {
    model,
    trainer,
    pool,
    training,
    dispose: () => {
      void pool.dispose(); // one thread: no worker to wait for
      trainer.dispose();
      disposeModel(model);
    },
  };
}

/** A trained DDPM baseline of the comparison. */
export interface TrainedDdpm {
  readonly network: VectorField;
  readonly schedule: VpSchedule;
  readonly trainer: DdpmTrainer;
  readonly training: TrainingRecord;
  dispose(): void;
}

/**
 * Trains the DDPM baseline on one dataset: an ε-network with DiffFlow's parameter budget
 * (`ddpmEpsilonNetworkOptions`), L_simple on the VP SDE (β ∈ [betaMin, betaMax], K steps), the
 * same data stream as DiffFlow (toyBatch with the root seed), checkpointing to models/<dataset>-ddpm.bin.
 */
export async function trainDdpm(config: CompareConfig, run: RunDir, dataset: ToyName, normalizer: Normalizer, options: TrainOptions): Promise<TrainedDdpm> {
  const { ddpmIters, ddpmBatch } = budgetFor(config, dataset);
  const d = config.ddpm;
  const schedule = vpSchedule({ betaMin: d.betaMin, betaMax: d.betaMax, steps: d.K });
  const network = fourierMlp({ ...ddpmEpsilonNetworkOptions({ dim: 2, hidden: config.diffflow.hidden, layers: config.diffflow.layers }), seed: config.seed });
  const settings = { seed: purposeSeed(config.seed, 'ddpm/loss'), lr: d.lr, lrDecay: d.lrDecay, lrDecayEvery: d.lrDecayEvery, clip: d.clip, emaDecay: d.ema };
  const trainer = createDdpmTrainer(network, schedule, { ...settings, tMin: d.lossTMin, time: 'continuous', maxRetries: config.maxRetries }, (it) =>
    toyBatch(dataset, normalizer, config.seed, ddpmBatch, it),
  );
  const training = await trainModel(config, run, trainer, normalizer, options, {
    dataset,
    model: 'ddpm',
    iters: ddpmIters,
    batch: ddpmBatch,
    parameters: network.parameterCount,
    logEvery: 10,
    lossKey: 'loss',
    line: (m) => ({ iteration: m.iteration, loss: m.loss, gradNorm: m.gradNorm, lr: m.lr, retries: m.retries, ms: m.ms }),
  });
  return {
    network,
    schedule,
    trainer,
    training,
    dispose: () => {
      trainer.dispose();
      network.dispose();
    },
  };
}
