import * as tf from '@tensorflow/tfjs-core';
import { fixedGrid, type DiffusionModel, purposeSeed } from '@diffflow/sde-core';
import { negativeElbo } from '@diffflow/likelihood';
import type { BackendInfo } from '@diffflow/backend';
import { constantGTrainerConfig, orThrow } from '@diffflow/cli';
import { saveTrainer, type RunDir } from '@diffflow/runs';
import { trainRun, type TrainedRun } from '@diffflow/experiment';
import { createTrainer, disposeModel, type Trainer } from '@diffflow/training';
import type { TabularConfig } from './config.js';
import { fitStandardizer, gatherRows, seededRows, standardize, standardizerLogDet, type Standardizer } from '@diffflow/datasets';
import { batchSampler, type TabularData } from './data.js';
import { tabularModel } from './model.js';

export { CHECKPOINT_FILE as CHECKPOINT } from '@diffflow/experiment';

/** The validation rows a run's bound uses, standardised: [k, D] (k = min(validRows, split rows)). */
export function validationInput(data: TabularData, standardizer: Standardizer, config: Pick<TabularConfig, 'seed' | 'validRows'>): tf.Tensor2D {
  const v = data.dataset.validation;
  const rows = seededRows(v.rows, config.validRows, purposeSeed(config.seed, 'validation-rows'), 'tabular/validation');
  return tf.tensor2d(standardize(standardizer, gatherRows(v, rows)), [rows.length, v.cols]);
}

/**
 * The negative ELBO (nats per sample, dataset coordinates) of `y` (standardised rows) under the
 * model's current weights, on the fixed grid of the configuration, with forward noise keyed by the
 * run's seed (not a training key): the cheap validation number tracked during training.
 */
export function validationBound(model: DiffusionModel, y: tf.Tensor2D, config: TabularConfig, logDet: number): number {
  const grid = fixedGrid({ steps: config.steps, tMin: config.tMin, tMax: config.T, beta: config.beta });
  return negativeElbo(model, y, grid, { seed: purposeSeed(config.seed, 'validation-noise'), batchSize: 1024 }).nats - logDet;
}

/** One validation record: the bound with the EMA weights and the step it was taken at. */
export interface ValidationPoint {
  readonly iteration: number;
  /** Negative ELBO, nats per sample, dataset coordinates, EMA weights. */
  readonly negativeElbo: number;
  readonly ms: number;
}

/**
 * Trains DiffFlow on a tabular dataset and writes the run folder: config.json, metrics.jsonl (one
 * line per iteration; `validation` on validation iterations), checkpoint.bin (atomic; parameters,
 * Adam, EMA, standardiser), summary.json. Test NLL is `tabular eval`'s job.
 */
export async function trainTabular(config: TabularConfig, run: RunDir, backend: BackendInfo, data: TabularData): Promise<void> {
  const { dataset } = data;
  const standardizer = fitStandardizer(dataset.train);
  const logDet = standardizerLogDet(standardizer);
  const model = tabularModel(config, dataset.dim);
  const trainer: Trainer = createTrainer(model, constantGTrainerConfig(config), batchSampler(dataset.train, standardizer, config.seed, config.batchSize));
  const validation: ValidationPoint[] = [];
  const meta = () => ({ config, dataset: config.dataset, dim: dataset.dim, standardizer, backend: backend.name, validation });
  const parameters = model.sde.drift.parameterCount + model.score.parameterCount;
  console.error(
    `[tabular] ${config.dataset}: D = ${dataset.dim}, train/validation/test = ${dataset.train.rows}/${dataset.validation.rows}/${dataset.test.rows} rows, ` +
      `${parameters} parameters, log|det ∂y/∂x| = ${logDet.toFixed(4)}`,
  );
  const yValid = validationInput(data, standardizer, config);
  const validate = (): ValidationPoint => {
    const started = performance.now();
    const nats = trainer.ema.withAveraged(() => validationBound(model, yValid, config, logDet));
    const point = { iteration: trainer.iteration, negativeElbo: nats, ms: performance.now() - started };
    validation.push(point);
    return point;
  };
  let done: TrainedRun;
  let final: ValidationPoint;
  try {
    done = await trainRun(trainer, {
      name: 'tabular',
      label: `tabular ${config.dataset}`,
      run,
      config,
      backend,
      configExtra: { dim: dataset.dim, rows: { train: dataset.train.rows, validation: dataset.validation.rows, test: dataset.test.rows } },
      meta,
      onResume: (ckpt) => {
        const earlier = ckpt.meta['validation'];
        if (Array.isArray(earlier)) validation.push(...(earlier as ValidationPoint[]));
      },
      record: (m) => {
        const bound = m.bound - logDet;
        const due = config.validEvery > 0 && trainer.iteration % config.validEvery === 0 && trainer.iteration < config.iters;
        const v = due ? validate() : undefined;
        return { line: { ...m, boundDataset: bound, ...(v === undefined ? {} : { validation: v }) }, loss: bound };
      },
    });
    const last = validation.at(-1);
    final = last !== undefined && last.iteration === trainer.iteration ? last : validate();
    if (final !== last) await saveTrainer(trainer, done.checkpoint, meta()); // the checkpoint's history ends with the final validation
  } finally {
    yValid.dispose();
  }
  const best = validation.reduce<ValidationPoint | undefined>((b, p) => (b === undefined || p.negativeElbo < b.negativeElbo ? p : b), undefined);
  await orThrow(
    run.writeSummary({
      dataset: config.dataset,
      dim: dataset.dim,
      iterations: trainer.iteration,
      parameters,
      backend: backend.name,
      trainSeconds: done.trainSeconds,
      msPerIterationMedian: done.msMedian(),
      trainBoundLast50: done.lossMean(50),
      validationNegativeElbo: final.negativeElbo,
      bestValidation: best ?? null,
      validationRows: Math.min(config.validRows, dataset.validation.rows),
      standardizerLogDet: logDet,
      units: "nats per sample in the dataset's own coordinates (negative ELBO on the fixed grid, EMA weights for validation); test NLL: tabular eval",
    }),
  );
  trainer.dispose();
  disposeModel(model);
  console.error(`[tabular] done: ${run.path} (validation −ELBO ${final.negativeElbo.toFixed(4)} nats, ${done.trainSeconds.toFixed(0)} s)`);
}
