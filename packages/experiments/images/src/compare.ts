/**
 * `images compare` (Nx target images:compare): Table 4 of the paper on MNIST. DiffFlow's cpu preset
 * (trained here, or taken from an images:train run with --diffflowRun) against the DDPM baseline —
 * the VP SDE with the same ε-parameterised score U-Net, trained by DDPM's ε-loss for DiffFlow's
 * training wall-clock (compare_budget.ts) — both sampled by the λ-family sampler on the same fixed
 * grids (uniform in t^β on [tMin, T]) with the same seed, for every N of --sampleSteps, and scored by
 * FD-LeNet and class coverage against the held-out images.
 *
 * The run folder: config.json, metrics.jsonl (one line per model and N), summary.json, table.txt,
 * samples-per-N.png, samples/<model>-N<N>.npy (uint8 [n, H, W, C]), ddpm/ (the DDPM run: checkpoint,
 * metrics), diffflow/ (the images:train run, when trained here). config.json is written first, so
 * `--resume` finds a comparison stopped at any point (see `resume` in compare_config.ts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { BackendInfo } from '@diffflow/backend';
import type { DataParallel } from '@diffflow/parallel';
import { configInvalid, fail, fromFsError, orThrow, orThrowSync, progressBar, samplerLabel } from '@diffflow/cli';
import { METRICS_FILE, metricsRecords, openRunDir, packageVersions, readNpy, SUMMARY_FILE, writeFileAtomic } from '@diffflow/runs';
import { compareModels, type CompareModel } from '@diffflow/experiment';
import { disposeModel } from '@diffflow/training';
import { resolveSettings, samplerByName, type SettingValue } from '@diffflow/likelihood';
import { FD_LENET_NOTE, fdLenet, splitReference } from '@diffflow/metrics';
import { loadImagesClassifier } from './classifier.js';
import { checkImagesConfig, imagesNonIdentityFields, type ImagesConfig } from './config.js';
import { ddpmBudget, readTrainingCost, type DdpmBudget, type TrainingCost } from './compare_budget.js';
import { compareSampler, defaultCompareOut, diffflowRecipeProblem, diffflowTrainConfig, type CheckedCompare } from './compare_config.js';
import { ddpmSamplingModel, ddpmSamplingPool, ddpmTrainConfig, trainDdpm } from './compare_ddpm.js';
import { renderCompareTable, samplesPerStepsFigure, type CompareFloor, type CompareRow, type FigureSamples } from './compare_report.js';
import { loadImageSplits, type ImageSplits } from '@diffflow/datasets';
import { runGrid, type ImageModel } from './model.js';
import { loadTrainedRun, type TrainedRun } from './sample.js';
import { CHECKPOINT, imagesPool, sampleImages, trainImages } from './train.js';

const log = (message: string): void => void console.error(`[images compare] ${message}`);

/** Files of the run folder. */
export const COMPARE_FIGURE = 'samples-per-N.png';
export const COMPARE_TABLE = 'table.txt';

/** The fields of a comparison that change no result (not part of the run's identity). */
const compareNonIdentity = ['out', 'workers', 'resume'] as const;

/** What summary.json holds. */
export interface CompareSummary {
  readonly title: string;
  readonly note: string;
  readonly data: string;
  readonly seed: number;
  readonly quick: boolean;
  readonly backend: string;
  /** The DiffFlow run the comparison used, and whether it was trained here. */
  readonly diffflowRun: string;
  readonly diffflowTrainedHere: boolean;
  /** The U-Net both models use (DiffFlow has two of it: drift and score; DDPM one: ε). */
  readonly unet: { readonly preset: string; readonly size: number; readonly parametersPerUNet: number; readonly description: string };
  readonly budget: {
    readonly definition: string;
    readonly diffflow: TrainingCost & { readonly iterations: number };
    readonly ddpm: DdpmBudget & { readonly measuredSeconds: number };
  };
  readonly sampler: { readonly name: string; readonly settings: Readonly<Record<string, SettingValue>>; readonly grid: string; readonly samples: number };
  readonly sampleSteps: readonly number[];
  readonly floor: CompareFloor;
  readonly rows: readonly CompareRow[];
  readonly threads: number;
  /** Seconds this process spent (a resumed run counts only its own; each row has the seconds of the process that sampled it). */
  readonly seconds: { readonly total: number; readonly ddpmTraining: number; readonly sampling: number; readonly diffflowTraining: number };
}

/** The budget's definition, as summary.json and the README state it. */
export const BUDGET_DEFINITION =
  "equal training wall-clock on this machine: DDPM gets round(DiffFlow's total training ms / its median score-warm-up iteration ms) iterations — a warm-up iteration is a DDPM iteration " +
  "(the same ε-loss, U-Net, batch, Adam and threads), so DiffFlow's own run prices DDPM's iterations under the same load; both logged per iteration in metrics.jsonl";

/**
 * Runs the comparison (see the file's comment) and returns what summary.json holds. Bad input
 * (flags, a missing or foreign --diffflowRun, a missing classifier) fails before any training with
 * one error naming it.
 */
export async function runImagesCompare(checked: CheckedCompare, backend: BackendInfo): Promise<CompareSummary> {
  const started = performance.now();
  const { config, sampleSteps } = checked;
  const sampler = compareSampler(config);
  const out = config.out === '' ? defaultCompareOut(config) : config.out;
  const trainHere = config.diffflowRun === '';
  const diffflowPath = trainHere ? join(out, 'diffflow') : config.diffflowRun;

  // everything that can be refused is checked before anything is trained or written
  const diffflowConfig = trainHere ? diffflowTrainConfig(config, diffflowPath) : undefined;
  const given = diffflowConfig === undefined ? await loadDiffflowRun(diffflowPath) : undefined;
  const split = given?.config ?? (diffflowConfig as ImagesConfig);
  const classifier = await loadImagesClassifier(split, config.classifier === '' ? undefined : config.classifier);
  // the identity holds the resolved classifier (a --resume that leaves it at its default finds the run) and
  // --diffflowRun as given ('' = trained here, in <out>/diffflow: config.json's diffflowPath)
  const resolved = { classifier: classifier.dir, diffflowPath };
  const run = await orThrow(openRunDir(out, { config: { ...config, classifier: classifier.dir }, resume: config.resume, nonIdentity: [...compareNonIdentity], extraExtensions: ['.txt'] }));
  const cleanup: (() => unknown)[] = [() => classifier.classifier.dispose()];
  try {
    await orThrow(run.writeConfig({ ...config, out, ...resolved, backend, versions: packageVersions() }));
    const splits: ImageSplits = await orThrow(loadImageSplits(split));

    let diffflowSeconds = 0;
    if (diffflowConfig !== undefined) {
      const { schedule } = orThrowSync(checkImagesConfig(diffflowConfig));
      const dfRun = await orThrow(openRunDir(diffflowPath, { config: diffflowConfig, resume: config.resume, nonIdentity: [...imagesNonIdentityFields] }));
      if (dfRun.resumed && existsSync(dfRun.file(SUMMARY_FILE))) {
        log(`DiffFlow in ${diffflowPath}: trained by the earlier run (its summary.json is there), kept`);
      } else {
        const dfResume = dfRun.resumed && existsSync(dfRun.file(CHECKPOINT));
        log(`${dfResume ? 'resuming' : 'training'} DiffFlow (images:train, preset ${diffflowConfig.preset}) in ${diffflowPath}`);
        const t0 = performance.now();
        await trainImages({ ...diffflowConfig, resume: dfResume }, schedule, splits, dfRun, backend);
        diffflowSeconds = (performance.now() - t0) / 1000;
      }
    }
    const diffflow = given ?? (await loadDiffflowRun(diffflowPath));
    cleanup.push(() => disposeModel(diffflow.model));
    const channels = diffflow.channels;
    const trainConfig: ImagesConfig = { ...diffflow.config, workers: config.workers };

    // the budget, priced in the DiffFlow run's own warm-up iterations
    const cost = await orThrow(readTrainingCost(join(diffflowPath, METRICS_FILE)));
    const budget = ddpmBudget(cost, config.ddpmIters);
    log(
      `budget: DiffFlow trained ${cost.warmupIterations} warm-up + ${cost.klIterations} trajectory-KL iterations in ${(cost.warmupSeconds + cost.klSeconds).toFixed(0)} s; ` +
        `DDPM gets ${budget.iterations} iterations (${budget.source === 'flag' ? '--ddpmIters' : `at ${budget.msPerIteration.toFixed(0)} ms, DiffFlow's median warm-up iteration`})`,
    );

    // DDPM: DiffFlow's score warm-up, continued for the whole budget
    const fresh = ddpmTrainConfig(trainConfig, budget.iterations, join(out, 'ddpm'));
    const ddpmRun = await orThrow(openRunDir(fresh.out, { config: fresh, resume: config.resume, nonIdentity: [...imagesNonIdentityFields] }));
    const ddpmConfig: ImagesConfig = { ...fresh, resume: ddpmRun.resumed && existsSync(ddpmRun.file(CHECKPOINT)) };
    await orThrow(ddpmRun.writeConfig({ ...ddpmConfig, model: 'ddpm', diffflowRun: diffflowPath, budget }));
    const trainPool = await imagesPool(ddpmConfig, channels);
    const threads = trainPool.shards;
    const t1 = performance.now();
    const ddpm = await trainDdpm(ddpmConfig, diffflow.schedule, splits.train, ddpmRun, trainPool, 'images compare ddpm').finally(() => trainPool.dispose());
    const ddpmSeconds = (performance.now() - t1) / 1000;
    cleanup.push(() => {
      ddpm.trainer.dispose();
      disposeModel(ddpm.model);
    });
    const ddpmCost = await orThrow(readTrainingCost(ddpmRun.file(METRICS_FILE)));

    await orThrow(run.writeConfig({ ...config, out, ...resolved, diffflowConfig: diffflow.config, budget, backend, versions: packageVersions() }));

    // sampling and scoring
    const reference = splitReference(classifier.classifier, splits, config.samples, diffflow.config.seed);
    const floor: CompareFloor = { fd: reference.floor, coverage: reference.floorCoverage, images: reference.floorImages, heldOut: reference.heldOut.n };
    log(`floor: FD-LeNet ${floor.fd.toFixed(3)} of ${floor.images} training images vs ${floor.heldOut} held-out images`);
    const rows: CompareRow[] = [];
    const figure: FigureSamples[] = [];
    const earlier = run.resumed ? await earlierRows(run.file(METRICS_FILE), config.samples) : [];
    const samplingStart = performance.now();
    const totalSteps = sampleSteps.reduce((a, b) => a + b, 0);
    const bar = progressBar({ total: compareModels.length * totalSteps, label: 'images compare sampling (steps)' });
    let done = 0;
    const sampleAll = async (model: CompareModel, imageModel: ImageModel, pool: DataParallel): Promise<void> => {
      const { size } = diffflow.config;
      const shape = [config.samples, size, size, channels];
      for (const n of sampleSteps) {
        const name = `samples/${model}-N${n}.npy`;
        const kept = earlier.find((r) => r.model === model && r.steps === n);
        const keptBytes = kept === undefined ? undefined : await keptSamples(run.file(name), shape);
        let row: CompareRow;
        let bytes: Uint8Array;
        if (kept !== undefined && keptBytes !== undefined) {
          [row, bytes] = [kept, keptBytes];
          log(`${model} at N = ${n}: kept from the earlier run (FD-LeNet ${row.fd.toFixed(3)})`);
        } else {
          const grid = runGrid(diffflow.config, n);
          const t = performance.now();
          bytes = await sampleImages(pool, imageModel, diffflow.config, grid, config.samples, diffflow.config.seed, sampler);
          const seconds = (performance.now() - t) / 1000;
          await orThrow(run.writeNpy(name, bytes, shape));
          const q = fdLenet(classifier.classifier, { images: bytes, n: config.samples, height: size, width: size, channels }, reference);
          row = { model, steps: n, fd: q.fd, coverage: q.coverage, samples: q.samples, seconds };
          await orThrow(run.appendMetrics({ phase: 'compare', ...row, floor: floor.fd }));
        }
        rows.push(row);
        figure.push({ model, steps: n, bytes: bytes.slice(0, config.figureSamples * size * size * channels), n: config.figureSamples });
        done += n;
        bar.update(done, { loss: row.fd });
      }
    };
    try {
      const dfPool = await imagesPool(trainConfig, channels);
      await sampleAll('diffflow', diffflow.model, dfPool).finally(() => dfPool.dispose());
      const ddpmModel = ddpmSamplingModel(ddpm.model);
      const ddpmPool = await ddpmSamplingPool(ddpmConfig, channels, threads);
      await ddpm.trainer.ema.withAveragedAsync(() => sampleAll('ddpm', ddpmModel, ddpmPool)).finally(() => ddpmPool.dispose());
    } finally {
      bar.stop();
    }
    const samplingSeconds = (performance.now() - samplingStart) / 1000;

    const { size, data } = diffflow.config;
    const title = `${data}: samples per N, DiffFlow vs DDPM (${samplerLabel(sampler)})`;
    await orThrow(run.writePng(COMPARE_FIGURE, samplesPerStepsFigure(sampleSteps, figure, size, channels, title)));
    const table = renderCompareTable(sampleSteps, rows, floor, `Table 4 on ${data}: FD-LeNet (lower is better) and class coverage, ${config.samples} samples per model and N`);
    await orThrow(writeFileAtomic(run.file(COMPARE_TABLE), `${table}\n${FD_LENET_NOTE}\n`));
    process.stdout.write(`${table}\n`);

    const unet = diffflow.model.nets.score;
    const summary: CompareSummary = {
      title: `images:compare — Table 4 on ${data}: DiffFlow vs DDPM against the number of sampling steps N`,
      note: FD_LENET_NOTE,
      data,
      seed: diffflow.config.seed,
      quick: config.quick,
      backend: backend.name,
      diffflowRun: diffflowPath,
      diffflowTrainedHere: trainHere,
      unet: { preset: diffflow.config.preset, size, parametersPerUNet: unet.parameterCount, description: unet.describe() },
      budget: {
        definition: BUDGET_DEFINITION,
        diffflow: { ...cost, iterations: cost.warmupIterations + cost.klIterations },
        ddpm: { ...budget, measuredSeconds: ddpmCost.warmupSeconds },
      },
      sampler: { name: config.sampler, settings: resolveSettings(samplerByName(config.sampler), sampler.settings), grid: `fixed, uniform in t^${diffflow.config.beta} on [${diffflow.config.tMin}, ${diffflow.config.T}], the same for both models`, samples: config.samples },
      sampleSteps,
      floor,
      rows,
      threads,
      seconds: { total: (performance.now() - started) / 1000, diffflowTraining: diffflowSeconds, ddpmTraining: ddpmSeconds, sampling: samplingSeconds },
    };
    await orThrow(run.writeSummary(summary));
    log(`done in ${summary.seconds.total.toFixed(0)} s: ${run.file(SUMMARY_FILE)}, ${run.file(COMPARE_FIGURE)}`);
    return summary;
  } finally {
    for (const f of cleanup.reverse()) f();
  }
}

/**
 * The (model, N) rows an earlier, stopped run of this comparison wrote to metrics.jsonl (the last
 * line per cell; lines of another sample count or cut short are skipped).
 */
async function earlierRows(path: string, samples: number): Promise<CompareRow[]> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(fromFsError(path, e));
  }
  const byCell = new Map<string, CompareRow>();
  for (const r of metricsRecords(text)) {
    if (r['phase'] !== 'compare' || r['samples'] !== samples || typeof r['fd'] !== 'number' || typeof r['steps'] !== 'number' || typeof r['seconds'] !== 'number') continue;
    if (!(compareModels as readonly unknown[]).includes(r['model']) || typeof r['coverage'] !== 'object' || r['coverage'] === null) continue;
    const { phase: _phase, floor: _floor, ...row } = r;
    byCell.set(`${String(r['model'])}/${r['steps']}`, row as unknown as CompareRow);
  }
  return [...byCell.values()];
}

/** The samples an earlier run saved for a cell: uint8 of `shape`; undefined when missing, foreign or cut short (then the cell is sampled again). */
async function keptSamples(path: string, shape: readonly number[]): Promise<Uint8Array | undefined> {
  const read = await readNpy(path)();
  if (E.isLeft(read)) return undefined;
  const { data, shape: stored } = read.right;
  return data instanceof Uint8Array && stored.length === shape.length && stored.every((d, k) => d === shape[k]) ? data : undefined;
}

/**
 * The DiffFlow run of a comparison: its checkpoint's EMA model (`loadTrainedRun`), which must have
 * the recipe the DDPM baseline continues (forward 'vp' with a score warm-up, T = 1). A missing
 * checkpoint, a foreign one or another recipe is one error naming --diffflowRun or the file.
 */
async function loadDiffflowRun(path: string): Promise<TrainedRun> {
  const loaded = await loadTrainedRun(path);
  const problem = diffflowRecipeProblem(loaded.config);
  if (problem !== undefined) {
    disposeModel(loaded.model);
    return fail(configInvalid('--diffflowRun', `${path} is not a run the DDPM baseline can continue: its ${problem.field} ${problem.reason}`));
  }
  return loaded;
}
