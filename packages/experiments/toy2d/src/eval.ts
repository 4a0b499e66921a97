/**
 * `toy2d eval`: held-out likelihood of a trained toy2d run with its EMA weights.
 *
 * - test NLL by the probability-flow ODE with the exact trace (RK45 or RK4),
 * - the negative ELBO of the discretised backward chain on the fixed grid (`negativeElbo`),
 * both in nats per sample **in the dataset's own coordinates** (NLL_x = NLL_y − log|det ∂y/∂x|,
 * y the normalised coordinates the model sees), plus bits/dim = nats / (2 ln 2), NFE and wall time;
 * and a log-density heat-map over the data's plot bounds.
 *
 * Held-out points are the ones `train.ts`'s `heldOutBound` uses: n points of the run's data keyed
 * {seed: purposeSeed(seed, 'test'), iteration: 0} (`heldOutPoints`: `sampleToy` for a toy,
 * `samplePointCloud` for dataset 'points'; draws are prefix-stable, so the first n of its 5000
 * points). The ELBO's forward noise is keyed per row from purposeSeed(seed, 'test-noise'). For a
 * point cloud, whose density is known in closed form, the cloud's own NLL of the same points is
 * reported beside the model's (`pointCloudLogDensity`).
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { DiffusionModel } from '@diffflow/sde-core';
import { dataLogDensityGrid } from '@diffflow/likelihood';
import { decodeNormalizer, normalizerLogDet, pointCloudLogDensity, type Normalizer } from '@diffflow/datasets';
import { configInvalid, documented, fail, fileMalformed, intAtLeast, intInRange, oneOf, orThrow, type ExperimentError } from '@diffflow/cli';
import { loadEmaRun as loadRun, storedConfig, type LoadedRun as EmaRun } from '@diffflow/runs';
import { heatmapPng, panelsPng } from '@diffflow/figures';
import { evaluateHeldOut, heldOutFields, heldOutGrid, heldOutSettings, openHeldOutDir, textTable, withEmaRun, writeHeldOutReport, type HeldOutLikelihood, type HeldOutSettings } from '@diffflow/experiment';
import { defaultOut, resolveToy2dConfig, toy2dDatasets, toy2dDefaults, type Toy2dConfig } from './config.js';
import { heldOutPoints, plotBounds, toy2dData, toy2dDataName, toyModel } from './model.js';
import { CHECKPOINT } from './train.js';

// ---------------------------------------------------------------------------------------------
// options

/** The flags as decoded: every one optional, each checked against its allowed range. */
export const EvalFlags = t.exact(
  t.partial({
    /** run, steps, rtol, atol, draws, seed, out: the shared held-out flags. */
    ...heldOutFields("toy2d:train's default folder for --dataset and --seed"),
    solver: documented(oneOf(['rk45', 'rk4'] as const), 'ODE solver of the NLL (and of the heat-map).'),
    dataset: documented(oneOf(toy2dDatasets), "Names the default run folder; must match the checkpoint's dataset when given.", `'${toy2dDefaults.dataset}'`),
    n: documented(intAtLeast(1), 'Held-out points.'),
    resolution: documented(intInRange(2, 1024), 'Heat-map pixels per side.'),
  }),
);
export type EvalFlags = t.TypeOf<typeof EvalFlags>;

/** Defaults of the options that do not come from the run. */
export const evalDefaults = { n: 5000, solver: 'rk45', rtol: 1e-5, atol: 1e-5, resolution: 128, draws: 4 } as const;

/** Everything an evaluation depends on, resolved (flags over the run's config): the shared held-out settings, the run and the heat-map's resolution. */
export interface EvalSettings extends HeldOutSettings {
  readonly run: string;
  readonly resolution: number;
}

/** The default output folder name: every option that changes the numbers, RK45 tolerances only for RK45. */
export function evalFolderName(s: Omit<EvalSettings, 'run'>): string {
  const tol = s.solver === 'rk45' ? `-rtol${s.rtol}-atol${s.atol}` : '';
  return `eval-n${s.n}-${s.solver}${tol}-N${s.steps}-K${s.draws}-res${s.resolution}-seed${s.seed}`;
}

// ---------------------------------------------------------------------------------------------
// loading a run

/** A run's checkpoint as an evaluable model (runs' `LoadedRun`): EMA weights, its config, its normaliser and the iterations it holds. */
export type LoadedRun = EmaRun<Toy2dConfig, { readonly model: DiffusionModel; readonly normalizer: Normalizer }>;

/**
 * Loads `<run>/checkpoint.bin` (written by `toy2d:train` or downloaded from the playground) and
 * builds the model with its EMA weights (`ema/drift/…`, `ema/score/…`), its configuration (a point
 * cloud's `points` included, checked as `resolveToy2dConfig` checks them) and the normaliser stored
 * beside them (runs' `loadEmaRun`).
 */
export function loadEmaRun(runPath: string): TE.TaskEither<ExperimentError, LoadedRun> {
  return loadRun(runPath, {
    checkpoint: CHECKPOINT,
    decode: (ckpt) => resolveToy2dConfig(storedConfig(ckpt), 'the checkpoint'),
    build: (config, ckpt, path) => {
      const normalizer = decodeNormalizer(ckpt.meta['normalizer'], path);
      if (E.isLeft(normalizer)) return E.left(fileMalformed(path, normalizer.left._tag === 'Malformed' ? normalizer.left.reason : 'its normalizer is invalid'));
      return E.right({ model: toyModel(config), normalizer: normalizer.right });
    },
    train: 'toy2d:train',
  });
}

// ---------------------------------------------------------------------------------------------
// the evaluation

/**
 * The held-out NLL and negative ELBO (`HeldOutLikelihood`: nats in the dataset's coordinates,
 * standard errors, NFE, per-point NLL), the data's own NLL where it is known, and the heat-map.
 */
export interface EvalResult extends Omit<HeldOutLikelihood, 'logDet'> {
  /** log|det ∂y/∂x| of the normalisation y = normalize(x). */
  readonly normalizerLogDet: number;
  /**
   * Dataset 'points': the cloud's own density on the same held-out points, −mean log p(x) in nats
   * (`pointCloudLogDensity`; the model's NLL approaches it from above as it learns); null for the toys.
   */
  readonly dataNll: number | null;
  readonly heatmap: {
    readonly resolution: number;
    /** [x_min, x_max, y_min, y_max] in dataset coordinates. */
    readonly bounds: readonly [number, number, number, number];
    /** log p_x at the pixel centres, row 0 at y_max, dataset coordinates. */
    readonly logDensity: Float32Array;
    /** Σ p_x · pixel area: the model's probability of the picture's box (≤ 1 up to quadrature error). */
    readonly massInBox: number;
    readonly ms: number;
  };
}

/**
 * Evaluates a loaded model on held-out data (frees every tensor it makes). The model must carry
 * the weights to evaluate (the EMA weights, see {@link loadEmaRun}).
 */
export function evaluateToy2d(run: Omit<LoadedRun, 'iteration'>, s: Omit<EvalSettings, 'run'>): EvalResult {
  const { config, normalizer, model } = run;
  const logDet = normalizerLogDet(normalizer);
  const data = toy2dData(config);
  const x = heldOutPoints(data, s.seed, s.n);
  const { logDet: _echo, ...held } = evaluateHeldOut(model, config, { x, dim: normalizer.dim, toModel: (v) => normalizer.normalize(v), logDet }, s);
  const dataNll = typeof data === 'string' ? null : -pointCloudLogDensity(data, x).reduce((a, v) => a + v, 0) / s.n;

  const started = performance.now();
  const bounds = plotBounds(data, config.seed);
  const [x0, x1, y0, y1] = bounds;
  const logDensity = dataLogDensityGrid(model, {
    bounds,
    toModel: (v) => normalizer.normalize(v),
    logDet,
    resolution: s.resolution,
    grid: heldOutGrid(config, s.steps),
    solver: s.solver,
    rtol: s.rtol,
    atol: s.atol,
  });
  const pixelArea = ((x1 - x0) / s.resolution) * ((y1 - y0) / s.resolution);
  let massInBox = 0;
  for (const v of logDensity) massInBox += Math.exp(v) * pixelArea;
  const heatmapMs = performance.now() - started;

  return { ...held, normalizerLogDet: logDet, dataNll, heatmap: { resolution: s.resolution, bounds, logDensity, massInBox, ms: heatmapMs } };
}

/**
 * The heat-map picture: log p_x clipped below at max − 12 nats (so the colour range shows the
 * structure), ~480 px wide, titled, on axes spanning the grid's `bounds` [x_min, x_max, y_min, y_max].
 */
export function logDensityPng(logDensity: Float32Array, resolution: number, bounds: readonly [number, number, number, number], title = 'model log density'): Buffer {
  let hi = -Infinity;
  for (const v of logDensity) if (Number.isFinite(v)) hi = Math.max(hi, v);
  const lo = hi - 12;
  const clipped = logDensity.map((v) => (Number.isFinite(v) ? Math.max(v, lo) : v));
  return heatmapPng(clipped, resolution, resolution, { colormap: 'viridis', range: Number.isFinite(hi) ? [lo, hi] : undefined, scale: Math.max(1, Math.floor(480 / resolution)), bounds, title, xLabel: 'x1', yLabel: 'x2' });
}

/** The stdout table: NLL, −ELBO, the cloud's own NLL when known, and the heat-map's mass. */
export function formatTable(r: EvalResult): string {
  const se = (v: number | null): string => (v === null ? '' : ` ± ${v.toFixed(3)}`);
  const { nll, negativeElbo: elbo } = r;
  return textTable(
    [
      ['quantity', 'nats/sample', 'bits/dim', 'NFE', 'time'],
      [`NLL (ODE, ${nll.solver}, exact trace)`, `${nll.nats.toFixed(4)}${se(nll.standardError)}`, nll.bitsPerDim.toFixed(4), String(nll.nfe), `${(nll.ms / 1000).toFixed(2)} s`],
      [`−ELBO (N = ${elbo.steps}, K = ${elbo.draws})`, `${elbo.nats.toFixed(4)}${se(elbo.standardError)}`, elbo.bitsPerDim.toFixed(4), '-', `${(elbo.ms / 1000).toFixed(2)} s`],
      ...(r.dataNll === null ? [] : [['NLL of the cloud itself (its density)', r.dataNll.toFixed(4), (r.dataNll / (r.dim * Math.LN2)).toFixed(4), '-', '-']]),
      [`log-density map ${r.heatmap.resolution}², mass in box ${r.heatmap.massInBox.toFixed(3)}`, '', '', '', `${(r.heatmap.ms / 1000).toFixed(2)} s`],
    ],
    ['left', 'right', 'right', 'right', 'right'],
  );
}

// ---------------------------------------------------------------------------------------------
// the command

/**
 * `toy2d eval [--run=DIR] [--dataset=…] [--n] [--solver] [--steps] [--rtol] [--atol] [--resolution]
 * [--draws] [--seed] [--out]`: writes eval.json, nll.npy (per-point NLL, dataset coordinates),
 * logdensity.png and, when the run has samples.png, samples_logdensity.png (samples beside the
 * density) into the output folder; prints the table to stdout.
 */
export async function evalToy2d(flags: EvalFlags, backend: string): Promise<EvalResult> {
  const started = performance.now();
  const runPath = flags.run ?? defaultOut({ dataset: flags.dataset ?? toy2dDefaults.dataset, seed: flags.seed ?? 0 });
  return withEmaRun(loadEmaRun(runPath), async (loaded) => {
    const { config } = loaded;
    if (flags.dataset !== undefined && flags.dataset !== config.dataset) fail(configInvalid('--dataset', `the run in '${runPath}' was trained on '${config.dataset}', got '${flags.dataset}'`));
    const settings: EvalSettings = { run: runPath, ...heldOutSettings(flags, evalDefaults, config, flags.n ?? evalDefaults.n), resolution: flags.resolution ?? evalDefaults.resolution };
    const dir = await openHeldOutDir(flags.out ?? `${runPath}/${evalFolderName(settings)}`, settings);

    const r = evaluateToy2d(loaded, settings);
    const data = toy2dData(config);
    const png = logDensityPng(r.heatmap.logDensity, settings.resolution, r.heatmap.bounds, `${config.dataset}: model log density (clipped at max - 12)`);
    await orThrow(dir.writePng('logdensity.png', png));
    const samplesPng = await readFile(`${runPath}/samples.png`).catch(() => undefined);
    if (samplesPng !== undefined) await orThrow(dir.writePng('samples_logdensity.png', panelsPng([samplesPng, png], { columns: 2, gap: 6 })));
    const { resolution, bounds, massInBox, logDensity } = r.heatmap;
    await writeHeldOutReport(dir, {
      started,
      command: 'toy2d eval',
      run: runPath,
      dataset: config.dataset,
      dataName: toy2dDataName(data),
      iteration: loaded.iteration,
      backend,
      settings,
      result: r,
      points: 'held-out points',
      fields: {
        heldOut: {
          n: settings.n,
          seed: settings.seed,
          key: `${typeof data === 'string' ? 'sampleToy(dataset' : 'samplePointCloud(cloud'}, n, {seed: purposeSeed(seed, 'test'), iteration: 0})`,
          ...(typeof data === 'string' ? {} : { cloudPoints: data.points.length / 2, jitter: data.jitter }),
        },
        units: "nats per sample in the dataset's own coordinates (NLL_x = NLL_y − log|det ∂y/∂x|); bits/dim = nats / (D ln 2)",
        dim: r.dim,
        normalizerLogDet: r.normalizerLogDet,
        nll: r.nll,
        negativeElbo: r.negativeElbo,
        dataNll: r.dataNll,
        heatmap: { file: 'logdensity.png', resolution, bounds, massInBox, logDensityMax: logDensity.reduce((a, v) => Math.max(a, v), -Infinity), ms: r.heatmap.ms },
      },
      table: formatTable(r),
    });
    return r;
  });
}
