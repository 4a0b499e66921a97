import type { BackendInfo } from '@diffflow/backend';
import { hasKnownSupport, toyEntropy, toySupportTolerance, type ToyName } from '@diffflow/datasets';
import { orThrow } from '@diffflow/cli';
import { packageVersions, writeFileAtomic, type RunDir } from '@diffflow/runs';
import { normalizerLogDet } from '@diffflow/datasets';
import { defaultLambda } from '@diffflow/sde-core';
import { toyBounds, toyNormalizer } from '@diffflow/experiment-toy2d';
import { budgetFor, runIdentity, trainedDatasets, type CompareConfig } from './config.js';
import {
  ddpmForward,
  ddpmNll,
  ddpmSamples,
  diffflowForward,
  diffflowNll,
  diffflowSamples,
  heldOutData,
  relaxedTolerance,
  sampleQuality,
  topologyRecord,
  trajectoryData,
  type DatasetContext,
} from './evaluate.js';
import { sharpnessFigure, stepsFigure, stepsSamplesFigure, topologyFigure, trainingFigure } from './figures.js';
import { ddpmPool } from './ddpm_pool.js';
import { parameterCounts, trainDdpm, trainDiffFlow, type TrainingRecord } from './models.js';
import { renderMarkdown, type CompareResults, type SharpnessRecord, type StepsRecord, type TopologyResult } from './report.js';

export const RESULTS_JSON = 'results.json';
export const RESULTS_MD = 'results.md';

const log = (message: string): void => void console.error(`[compare] ${message}`);

/**
 * Runs the whole comparison into `run`: for each dataset (sharpness, then steps, then topology
 * datasets, no repeats) trains DiffFlow and DDPM, then evaluates what the dataset is used for,
 * writing the figures as it goes; finally results.json and results.md.
 */
export async function runCompare(config: CompareConfig, run: RunDir, backend: BackendInfo): Promise<CompareResults> {
  const started = performance.now();
  const parameters = parameterCounts(config);
  await orThrow(run.writeConfig({ ...runIdentity(config), out: config.out, backend, versions: packageVersions(), parameters }));
  const datasets = trainedDatasets(config);
  const budgets = Object.fromEntries(datasets.map((d) => [d, budgetFor(config, d)]));
  const training: Omit<TrainingRecord, 'curve'>[] = [];
  const sharpness: SharpnessRecord[] = [];
  const steps: StepsRecord[] = [];
  const topology: TopologyResult[] = [];
  let trainingSeconds = 0;
  const pool = config.ddpmWorker ? ddpmPool(config, backend.name) : undefined;
  // plain progress lines when two threads train at once (live bars would overwrite each other)
  const progressTty = pool === undefined ? undefined : false;

  try {
    for (const [index, dataset] of datasets.entries()) {
      log(`dataset ${index + 1}/${datasets.length}: ${dataset}${pool === undefined ? '' : ' (DDPM in a worker thread, in parallel with DiffFlow)'}`);
      const normalizer = toyNormalizer(dataset, config.seed);
      const trainStart = performance.now();
      const job = pool?.train(dataset);
      job?.catch(() => undefined); // awaited below; a failure must not go unhandled while DiffFlow trains
      const diffflow = await trainDiffFlow(config, run, dataset, normalizer, { resume: config.resume, progressTty });
      const ddpm =
        job === undefined
          ? await trainDdpm(config, run, dataset, normalizer, { resume: config.resume })
          : // a worker's error arrives typed (ddpm_pool.ts)
            await job.then(async (record) => ({ ...(await trainDdpm(config, run, dataset, normalizer, { resume: true, announce: false })), training: record }));
      trainingSeconds += (performance.now() - trainStart) / 1000;
      for (const t of [diffflow.training, ddpm.training]) {
        const { curve: _curve, ...rest } = t;
        training.push(rest);
      }
      const curve = trainingFigure(diffflow.training.curve, ddpm.training.curve);
      if (curve !== undefined) await orThrow(run.writePng(`training-${dataset}.png`, curve));

      const ctx: DatasetContext = {
        config,
        dataset,
        normalizer,
        logDet: normalizerLogDet(normalizer),
        ...heldOutData(config, dataset),
        diffflow,
        ddpm,
        cache: new Map(),
      };
      try {
        if (config.sharpness.includes(dataset)) sharpness.push(await sharpnessOf(ctx, run));
        if (config.stepsDatasets.includes(dataset)) steps.push(await stepsOf(ctx, run));
        if (config.topology.includes(dataset)) topology.push(await topologyOf(ctx, run));
      } finally {
        diffflow.dispose();
        ddpm.dispose();
      }
    }
  } finally {
    await pool?.close();
  }

  const total = (performance.now() - started) / 1000;
  const results: CompareResults = {
    title: 'toy2d:compare — DiffFlow vs DDPM in 2-D',
    seed: config.seed,
    quick: config.quick,
    backend: backend.name,
    parameters,
    budgets,
    settings: { diffflow: config.diffflow, ddpm: config.ddpm, eval: config.eval, stepsList: config.stepsList, ddpmWorker: config.ddpmWorker },
    training,
    sharpness,
    steps,
    topology,
    seconds: { training: trainingSeconds, evaluation: total - trainingSeconds, total },
  };
  await orThrow(run.writeJson(RESULTS_JSON, results));
  await orThrow(writeFileAtomic(run.file(RESULTS_MD), renderMarkdown(results)));
  log(`done in ${total.toFixed(0)} s: ${run.file(RESULTS_MD)}`);
  return results;
}

async function sharpnessOf(ctx: DatasetContext, run: RunDir): Promise<SharpnessRecord> {
  const { config, dataset } = ctx;
  const n = config.diffflow.sampleSteps;
  const k = config.ddpm.K;
  log(`${dataset}: sharpness (NLL of ${config.eval.nllPoints} points, samples at N = ${n} and ${k})`);
  const diffNll = diffflowNll(ctx);
  log(`${dataset}: DiffFlow NLL ${diffNll.nats?.toFixed(3) ?? diffNll.error} nats (${diffNll.seconds.toFixed(0)} s)`);
  const ddpmNllRecord = ddpmNll(ctx);
  log(`${dataset}: DDPM NLL ${ddpmNllRecord.nats?.toFixed(3) ?? ddpmNllRecord.error} nats (${ddpmNllRecord.seconds.toFixed(0)} s)`);
  const a = diffflowSamples(ctx, n);
  const b = ddpmSamples(ctx, n);
  const c = ddpmSamples(ctx, k);
  const figure = `sharpness-${dataset}.png`;
  const panels = [
    { title: 'data (held out)', points: ctx.heldOut },
    { title: `DiffFlow, N = ${n}`, points: a },
    { title: `DDPM, N = ${n} of ${k}`, points: b },
    { title: `DDPM, N = ${k}`, points: c },
  ];
  await orThrow(run.writePng(figure, sharpnessFigure(panels, toyBounds(ctx.heldOut))));
  return {
    dataset,
    bandwidth: ctx.bandwidth,
    tolerance: hasKnownSupport(dataset) ? toySupportTolerance[dataset] : null,
    relaxedTolerance: hasKnownSupport(dataset) ? relaxedTolerance(ctx) : null,
    rows: [
      { model: 'diffflow', steps: n, sampler: `${config.diffflow.sampler === 'euler-maruyama' ? `euler-maruyama λ = ${config.diffflow.lambda ?? defaultLambda}` : config.diffflow.sampler}, N = ${n}`, nll: diffNll, quality: sampleQuality(ctx, a) },
      { model: 'ddpm', steps: n, sampler: `${config.ddpm.sampler}, N = ${n}${config.ddpm.sampler === 'ancestral' ? ` of ${k}` : ''}`, nll: ddpmNllRecord, quality: sampleQuality(ctx, b) },
      { model: 'ddpm', steps: k, sampler: `${config.ddpm.sampler}, N = ${k}`, nll: ddpmNllRecord, quality: sampleQuality(ctx, c) },
    ],
    floor: sampleQuality(ctx, ctx.reference),
    entropy: toyEntropy(dataset),
    figure,
  };
}

async function stepsOf(ctx: DatasetContext, run: RunDir): Promise<StepsRecord> {
  const { config, dataset } = ctx;
  log(`${dataset}: steps N ∈ {${config.stepsList.join(', ')}}`);
  const a = config.stepsList.map((n) => diffflowSamples(ctx, n));
  const b = config.stepsList.map((n) => ddpmSamples(ctx, n));
  const diffflow = a.map((s) => sampleQuality(ctx, s));
  const ddpm = b.map((s) => sampleQuality(ctx, s));
  const floor = sampleQuality(ctx, ctx.reference);
  const figure = `steps-${dataset}.png`;
  const samplesFigure = `steps-samples-${dataset}.png`;
  const metrics = ([['energy distance', 'energy'], ['MMD^2', 'mmd2'], ['MMD^2, fine bandwidth', 'mmd2Fine']] as const).map(([name, key]) => ({
    name,
    diffflow: diffflow.map((q) => q[key]),
    ddpm: ddpm.map((q) => q[key]),
    floor: floor[key] ?? 0,
  }));
  await orThrow(run.writePng(figure, stepsFigure(config.stepsList, metrics)));
  await orThrow(run.writePng(samplesFigure, stepsSamplesFigure(config.stepsList, a, b, toyBounds(ctx.heldOut))));
  return { dataset, steps: config.stepsList, diffflow, ddpm, floor, figure, samplesFigure };
}

async function topologyOf(ctx: DatasetContext, run: RunDir): Promise<TopologyResult> {
  const { config, dataset } = ctx;
  log(`${dataset}: forward trajectories of ${config.eval.trajectoryPoints} points`);
  const { points, labels } = trajectoryData(config, dataset);
  const x0 = ctx.normalizer.normalize(points);
  const rows = [diffflowForward(ctx, x0), ddpmForward(ctx, x0)];
  const figure = `topology-${dataset}.png`;
  await orThrow(run.writePng(figure, topologyFigure(rows, labels)));
  return { dataset, records: rows.map((r) => topologyRecord(ctx, r, labels)), figure };
}

/** The datasets a configuration trains, for messages. */
export function describePlan(config: CompareConfig): string {
  return trainedDatasets(config)
    .map((d: ToyName) => {
      const b = budgetFor(config, d);
      return `${d} (DiffFlow ${b.diffflowIters} × ${b.diffflowBatch}, DDPM ${b.ddpmIters} × ${b.ddpmBatch})`;
    })
    .join(', ');
}
