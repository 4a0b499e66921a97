import { existsSync } from 'node:fs';
import { fourierMlp, type VectorField } from '@diffflow/networks';
import { vpSchedule, type DiffusionModel, type VpSchedule, purposeSeed } from '@diffflow/sde-core';
import { ddpmEpsilonNetworkOptions, fourierMlpParameterCount } from '@diffflow/losses';
import type { Normalizer, ToyName } from '@diffflow/datasets';
import { trainerSettings } from '@diffflow/cli';
import { METRICS_FILE, readTrainingHistory, resumeTrainer, runTrainingLoop, summarizeHistory, type Restorable, type RunDir, type RunTrainable } from '@diffflow/runs';
import { createDdpmTrainer, createTrainer, disposeModel, type DdpmTrainer, type Trainer, type TrainerConfig } from '@diffflow/training';
import { toyBatch, toyModel, toyPool } from '@diffflow/experiment-toy2d';
import type { DataParallel } from '@diffflow/parallel';
import type { CompareConfig } from './config.js';
import { budgetFor } from './config.js';

/**
 * What one model's training did, over every process that trained it (read back from
 * metrics.jsonl; runs' training_history.ts). Losses are nats per sample in the model's normalised coordinates
 * (DiffFlow: the trajectory bound; DDPM: L_simple).
 */
export interface TrainingRecord {
  readonly dataset: ToyName;
  readonly model: 'diffflow' | 'ddpm';
  readonly iterations: number;
  readonly batch: number;
  /** Iterations run in this process (fewer than `iterations` when resumed from a checkpoint). */
  readonly iterationsThisRun: number;
  /** Training time: iterations × the mean logged time of an iteration (checkpoints and logging not included). */
  readonly seconds: number | null;
  readonly msPerIterationMedian: number | null;
  /** Mean loss of the last 50 logged iterations. */
  readonly lossLast50: number | null;
  /** Iterations logged (DiffFlow: every one; DDPM: every 10th). */
  readonly logged: number;
  readonly parameters: number;
  /** The logged losses, for the training-curve figure. */
  readonly curve: { readonly iterations: readonly number[]; readonly losses: readonly number[] };
}

/** The DiffFlow trainer settings of a comparison (the toy2d mapping, fixed grid). */
export function diffflowTrainerConfig(c: CompareConfig): TrainerConfig {
  const d = c.diffflow;
  return {
    ...trainerSettings({ ...d, seed: c.seed, maxRetries: c.maxRetries }),
    time: { tMin: d.tMin, tMax: d.T, beta: d.beta, steps: d.trainSteps, flexible: false },
  };
}

/** The VP schedule of the DDPM baseline. */
export function ddpmScheduleOf(c: CompareConfig): VpSchedule {
  return vpSchedule({ betaMin: c.ddpm.betaMin, betaMax: c.ddpm.betaMax, steps: c.ddpm.K });
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

/**
 * Trains one model of the comparison with the shared loop (`runTrainingLoop`): resumes from its
 * checkpoint when asked and one exists, logs every `logEvery`-th iteration tagged with the
 * dataset and model, checkpoints every `checkpointEvery` iterations and at the end.
 */
async function trainModel<M extends { readonly ms: number }>(
  config: CompareConfig,
  run: RunDir,
  trainer: RunTrainable<M> & Restorable,
  options: TrainOptions,
  spec: {
    readonly dataset: ToyName;
    readonly model: 'diffflow' | 'ddpm';
    readonly total: number;
    readonly logEvery: number;
    readonly normalizer: Normalizer;
    readonly record: (m: M) => { readonly line: object; readonly loss: number };
  },
): Promise<{ resumedAt: number }> {
  const label = `${spec.dataset} ${spec.model}`;
  const path = run.file(`models/${spec.dataset}-${spec.model}.bin`);
  if (options.resume && existsSync(path)) {
    await resumeTrainer(trainer, path);
    if (options.announce !== false) console.error(`[compare] ${label}: resumed from ${path} at iteration ${trainer.iteration}`);
  }
  const resumedAt = trainer.iteration;
  await runTrainingLoop(trainer, {
    run,
    iters: spec.total,
    checkpointEvery: config.checkpointEvery,
    logEvery: spec.logEvery,
    label: `compare ${label}`,
    ...(options.progressTty === undefined ? {} : { progressTty: options.progressTty }),
    checkpoint: { path, meta: () => ({ dataset: spec.dataset, model: spec.model, normalizer: spec.normalizer.toJSON() }) },
    record: (m) => {
      const { line, loss } = spec.record(m);
      return { line: { phase: 'train', dataset: spec.dataset, model: spec.model, ...line }, loss };
    },
  });
  return { resumedAt };
}

/** The training record of a model, from its whole history in the run's metrics.jsonl. */
export async function trainingRecord(
  run: RunDir,
  dataset: ToyName,
  model: 'diffflow' | 'ddpm',
  batch: number,
  parameters: number,
  total: number,
  resumedAt: number,
): Promise<TrainingRecord> {
  const history = await readTrainingHistory(run.file(METRICS_FILE), { phase: 'train', dataset, model }, model === 'diffflow' ? 'bound' : 'loss');
  const summary = summarizeHistory(history, total);
  return {
    dataset,
    model,
    iterations: total,
    batch,
    iterationsThisRun: total - resumedAt,
    seconds: summary.seconds,
    msPerIterationMedian: summary.msPerIterationMedian,
    lossLast50: summary.lossLast50,
    logged: summary.logged,
    parameters,
    curve: { iterations: history.iterations, losses: history.losses },
  };
}

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
  const shape = { hidden: config.diffflow.hidden, layers: config.diffflow.layers, g: config.diffflow.g, seed: config.seed, T: config.diffflow.T };
  const model = toyModel(shape);
  const settings = diffflowTrainerConfig(config);
  const pool = await toyPool({ ...shape, workers: 1, strategy: settings.strategy }, 1);
  const trainer = createTrainer(model, settings, (it) => toyBatch(dataset, normalizer, config.seed, diffflowBatch, it));
  const r = await trainModel(config, run, trainer, options, {
    dataset,
    model: 'diffflow',
    total: diffflowIters,
    logEvery: 1,
    normalizer,
    record: (m) => ({ loss: m.bound, line: { iteration: m.iteration, bound: m.bound, gradNorm: m.gradNorm, lr: m.lr, retries: m.retries, ms: m.ms } }),
  });
  return {
    model,
    trainer,
    pool,
    training: await trainingRecord(run, dataset, 'diffflow', diffflowBatch, model.sde.drift.parameterCount + model.score.parameterCount, diffflowIters, r.resumedAt),
    dispose: () => {
      void pool.dispose(); // one thread: no worker to wait for
      trainer.dispose();
      disposeModel(model);
    },
  };
}

export interface TrainedDdpm {
  readonly network: VectorField;
  readonly schedule: VpSchedule;
  readonly trainer: DdpmTrainer;
  readonly training: TrainingRecord;
  dispose(): void;
}

/**
 * Trains the DDPM baseline on one dataset: an ε-network with DiffFlow's parameter budget
 * (`ddpmEpsilonNetworkOptions`), L_simple on the VP SDE, the same data stream as DiffFlow
 * (toyBatch with the root seed), checkpointing to models/<dataset>-ddpm.bin.
 */
export async function trainDdpm(config: CompareConfig, run: RunDir, dataset: ToyName, normalizer: Normalizer, options: TrainOptions): Promise<TrainedDdpm> {
  const { ddpmIters, ddpmBatch } = budgetFor(config, dataset);
  const schedule = ddpmScheduleOf(config);
  const network = fourierMlp({ ...ddpmEpsilonNetworkOptions({ dim: 2, hidden: config.diffflow.hidden, layers: config.diffflow.layers }), seed: config.seed });
  const d = config.ddpm;
  const trainer = createDdpmTrainer(
    network,
    schedule,
    {
      seed: purposeSeed(config.seed, 'ddpm/loss'),
      lr: d.lr,
      lrDecay: d.lrDecay,
      lrDecayEvery: d.lrDecayEvery,
      clip: d.clip,
      emaDecay: d.ema,
      tMin: d.lossTMin,
      time: 'continuous',
      maxRetries: config.maxRetries,
    },
    (it) => toyBatch(dataset, normalizer, config.seed, ddpmBatch, it),
  );
  const r = await trainModel(config, run, trainer, options, {
    dataset,
    model: 'ddpm',
    total: ddpmIters,
    logEvery: 10,
    normalizer,
    record: (m) => ({ loss: m.loss, line: { iteration: m.iteration, loss: m.loss, gradNorm: m.gradNorm, lr: m.lr, retries: m.retries, ms: m.ms } }),
  });
  return {
    network,
    schedule,
    trainer,
    training: await trainingRecord(run, dataset, 'ddpm', ddpmBatch, network.parameterCount, ddpmIters, r.resumedAt),
    dispose: () => {
      trainer.dispose();
      network.dispose();
    },
  };
}
