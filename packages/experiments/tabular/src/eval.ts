/**
 * `tabular eval`: test NLL of a trained tabular run with its EMA weights.
 *
 * - NLL by the probability-flow ODE (paper Eq. 17 with λ = 0 and the instantaneous change of
 *   variables), RK45 by default, with the exact trace for D ≤ 8 and Hutchinson's estimator above
 *   (`--trace=auto`; `exact` / `hutchinson` force one);
 * - the negative ELBO of the discretised chain on the run's fixed grid, beside it;
 * both in nats per sample **in the dataset's own coordinates** (NLL_x = NLL_y − log|det ∂y/∂x|, y
 * the train-standardised coordinates the model sees), next to the paper's Table 1 for the dataset,
 * or, for the synthetic stand-in, next to the true density's NLL on the same test rows and the
 * population entropy (with the paired standard error of the gap).
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { type DiffusionModel, purposeSeed } from '@diffflow/sde-core';
import { decodeStandardizer, gatherRows, isTabularName, seededRows, standardize, standardizerLogDet, type Standardizer } from '@diffflow/datasets';
import { configInvalid, documented, fail, fileMalformed, intAtLeast, oneOf, orThrow, resolveConfig, type ExperimentError } from '@diffflow/cli';
import { loadEmaRun as loadRun, storedConfig, writeFileAtomic, type LoadedRun as EmaRun } from '@diffflow/runs';
import { evaluateHeldOut, heldOutFields, heldOutSettings, openHeldOutDir, textTable, withEmaRun, writeHeldOutReport, type HeldOutLikelihood, type HeldOutSettings } from '@diffflow/experiment';
import { defaultOut, TabularConfig, tabularDefaults } from './config.js';
import { loadTabularData, type TabularData } from './data.js';
import { tabularModel } from './model.js';
import { paperRows } from './paper.js';
import { CHECKPOINT } from './train.js';

/** Datasets of at most this many dimensions get the exact trace under `--trace=auto`. */
export const EXACT_TRACE_MAX_DIM = 8;

// ---------------------------------------------------------------------------------------------
// options

/** The flags as decoded: every one optional, each checked against its allowed range. */
export const EvalFlags = t.exact(
  t.partial({
    /** run, solver, steps, rtol, atol, draws, seed, out: the shared held-out flags. */
    ...heldOutFields("tabular:train's default folder"),
    data: documented(t.string, "Where the dataset's files are.", "the run's --data"),
    n: documented(intAtLeast(1), 'Test rows (a seeded subset when fewer than the split).', 'all'),
    trace: documented(oneOf(['auto', 'exact', 'hutchinson'] as const), `Trace of ∂v/∂x: 'auto' is exact for D ≤ ${EXACT_TRACE_MAX_DIM} and Hutchinson above.`),
    probes: documented(intAtLeast(1), 'Hutchinson probes K per row (Rademacher).'),
    batchSize: documented(intAtLeast(1), 'Rows per ODE solve.'),
  }),
);
export type EvalFlags = t.TypeOf<typeof EvalFlags>;

/** Defaults of the options that do not come from the run. */
export const evalDefaults = { solver: 'rk45', rtol: 1e-5, atol: 1e-5, trace: 'auto', probes: 1, draws: 1, batchSize: 512 } as const;

/** Everything an evaluation depends on, resolved (flags over the run's config): the shared held-out settings (`n`: test rows, ≤ the split's) and the trace. */
export interface EvalSettings extends HeldOutSettings {
  readonly trace: 'exact' | 'hutchinson';
  readonly probes: number;
  readonly batchSize: number;
}

/** The trace `--trace=auto` picks for dimension D: exact for D ≤ 8, Hutchinson above. */
export function autoTrace(dim: number): 'exact' | 'hutchinson' {
  return dim <= EXACT_TRACE_MAX_DIM ? 'exact' : 'hutchinson';
}

/** The default output folder name: every option that changes the numbers. */
export function evalFolderName(s: EvalSettings): string {
  const tol = s.solver === 'rk45' ? `-rtol${s.rtol}-atol${s.atol}` : `-N${s.steps}`;
  const trace = s.trace === 'exact' ? 'exact' : `hutch${s.probes}`;
  return `eval-n${s.n}-${s.solver}${tol}-${trace}-elboN${s.steps}K${s.draws}-seed${s.seed}`;
}

// ---------------------------------------------------------------------------------------------
// loading a run

/** A run's checkpoint as an evaluable model (runs' `LoadedRun`): EMA weights, its config, its standardiser and the iterations it holds. */
export type LoadedRun = EmaRun<TabularConfig, { readonly model: DiffusionModel; readonly standardizer: Standardizer }>;

/** Loads `<run>/checkpoint.bin` and builds the model with its EMA weights (`ema/drift/…`, `ema/score/…`) and its standardiser (runs' `loadEmaRun`). */
export function loadEmaRun(runPath: string): TE.TaskEither<ExperimentError, LoadedRun> {
  return loadRun(runPath, {
    checkpoint: CHECKPOINT,
    decode: (ckpt) => resolveConfig(TabularConfig, tabularDefaults, storedConfig(ckpt)),
    build: (config, ckpt, path) => {
      const dim = ckpt.meta['dim'];
      const standardizer = decodeStandardizer(ckpt.meta['standardizer'], typeof dim === 'number' ? dim : undefined);
      if (standardizer === undefined) return E.left(fileMalformed(path, 'its standardizer (meta.standardizer: {mean, std}) is missing or invalid'));
      return E.right({ model: tabularModel(config, standardizer.dim), standardizer });
    },
    train: 'tabular:train',
  });
}

// ---------------------------------------------------------------------------------------------
// the evaluation

/**
 * The test NLL and negative ELBO (`HeldOutLikelihood`: nats in the dataset's coordinates,
 * standard errors, NFE, per-row NLL) and, for the synthetic stand-in, the truth beside them.
 */
export interface TabularEvalResult extends Omit<HeldOutLikelihood, 'logDet'> {
  /** log|det ∂y/∂x| of the standardisation. */
  readonly standardizerLogDet: number;
  /** Synthetic only: the truth on the same rows, and the gap with its paired standard error. */
  readonly truth: {
    readonly testNll: number;
    readonly entropy: number;
    readonly entropyStandardError: number;
    readonly gap: number;
    readonly gapStandardError: number;
  } | null;
}

/** The test rows an evaluation uses: all, or a seeded subset of n. */
export function testRows(data: TabularData, n: number, seed: number): Int32Array {
  return seededRows(data.dataset.test.rows, n, purposeSeed(seed, 'test-rows'), 'tabular/test');
}

/**
 * Evaluates a loaded model (which must carry the weights to evaluate) on test rows of `data`.
 * Frees every tensor it makes.
 */
export function evaluateTabular(run: Omit<LoadedRun, 'iteration'>, data: TabularData, s: EvalSettings): TabularEvalResult {
  const { config, standardizer, model } = run;
  const dim = standardizer.dim;
  if (data.dataset.dim !== dim) throw new RangeError(`evaluateTabular: the data have D = ${data.dataset.dim}, the run was trained with D = ${dim}`);
  const logDet = standardizerLogDet(standardizer);
  const x = gatherRows(data.dataset.test, testRows(data, s.n, s.seed));
  const { logDet: _echo, ...held } = evaluateHeldOut(model, config, { x, dim, toModel: (v) => standardize(standardizer, v), logDet }, s, {
    trace: s.trace === 'exact' ? { kind: 'exact' } : { kind: 'hutchinson', probes: s.probes, seed: purposeSeed(s.seed, 'probes') },
    batchSize: s.batchSize,
    elboBatchSize: 1024,
  });
  let truth: TabularEvalResult['truth'] = null;
  if (data.logDensity !== undefined && data.truth !== undefined) {
    const lp = data.logDensity(x);
    let sumTrue = 0;
    let sumGap = 0;
    let sumGap2 = 0;
    for (let i = 0; i < lp.length; i++) {
      sumTrue -= lp[i]!;
      const d = held.perSampleNll[i]! + lp[i]!;
      sumGap += d;
      sumGap2 += d * d;
    }
    const m = lp.length;
    const gap = sumGap / m;
    const gapSd = m > 1 ? Math.sqrt(Math.max(0, (sumGap2 - m * gap * gap) / (m - 1))) : Number.NaN;
    truth = { testNll: sumTrue / m, entropy: data.truth.entropy, entropyStandardError: data.truth.entropyStandardError, gap, gapStandardError: gapSd / Math.sqrt(m) };
  }
  return { ...held, standardizerLogDet: logDet, truth };
}

// ---------------------------------------------------------------------------------------------
// the results table

/** One row of the results table: a model and its test NLL (nats, dataset coordinates). */
export interface ResultRow {
  readonly source: 'this run' | 'paper' | 'truth';
  readonly model: string;
  readonly nll: number;
  readonly standardError: number | null;
  readonly note: string;
}

/** This run's rows, then the paper's Table 1 for the dataset (MAF) or the true density's (synthetic). */
export function resultRows(dataset: string, r: TabularEvalResult): ResultRow[] {
  const trace = r.nll.trace === 'exact' ? 'exact trace' : `Hutchinson K = ${r.nll.probes}`;
  const rows: ResultRow[] = [
    { source: 'this run', model: 'DiffFlow-TS (ODE)', nll: r.nll.nats, standardError: r.nll.standardError, note: `${r.nll.solver}, ${trace}, NFE ${r.nll.nfe}, ${r.n} test rows` },
    {
      source: 'this run',
      model: 'DiffFlow-TS (−ELBO bound)',
      nll: r.negativeElbo.nats,
      standardError: r.negativeElbo.standardError,
      note: `discretised chain, N = ${r.negativeElbo.steps}, K = ${r.negativeElbo.draws}`,
    },
  ];
  if (r.truth !== null) {
    rows.push(
      { source: 'truth', model: 'true density, same test rows', nll: r.truth.testNll, standardError: null, note: `gap ${fmt(r.truth.gap)} ± ${r.truth.gapStandardError.toFixed(4)} (paired)` },
      { source: 'truth', model: 'true density, entropy', nll: r.truth.entropy, standardError: r.truth.entropyStandardError, note: 'population −E log p (Monte Carlo)' },
    );
  }
  if (isTabularName(dataset)) {
    for (const p of paperRows(dataset)) rows.push({ source: 'paper', model: p.model, nll: p.nll, standardError: null, note: 'Table 1' });
  }
  return rows;
}

function fmt(v: number): string {
  return (v >= 0 ? '+' : '') + v.toFixed(4);
}

/** The table for stdout. */
export function formatResultTable(rows: readonly ResultRow[]): string {
  const cells = rows.map((r) => [r.source, r.model, `${r.nll.toFixed(4)}${r.standardError === null ? '' : ` ± ${r.standardError.toFixed(4)}`}`, r.note]);
  return textTable([['source', 'model', 'test NLL (nats)', 'note'], ...cells], ['left', 'left', 'right', 'left']);
}

/** The same table as CSV (results.csv). */
export function resultCsv(dataset: string, rows: readonly ResultRow[]): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['dataset,source,model,nll_nats,standard_error,note', ...rows.map((r) => [dataset, r.source, r.model, String(r.nll), r.standardError === null ? '' : String(r.standardError), r.note].map(q).join(','))].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// the command

/**
 * `tabular eval [--run=DIR] [--data] [--n] [--solver] [--steps] [--rtol] [--atol] [--trace] [--probes]
 * [--draws] [--batchSize] [--seed] [--out]`: loads the run's EMA weights and its data (a dimension
 * other than the run's is `ConfigInvalid` naming --data), writes eval.json, nll.npy (per-row NLL,
 * dataset coordinates) and results.csv into the output folder and prints the table to stdout.
 */
export async function evalTabular(flags: EvalFlags, backend: string): Promise<TabularEvalResult> {
  const started = performance.now();
  const runPath = flags.run ?? defaultOut(tabularDefaults);
  return withEmaRun(loadEmaRun(runPath), async (loaded) => {
    const { config } = loaded;
    const data = await orThrow(loadTabularData(config.dataset, flags.data ?? config.data));
    const { dim, test } = data.dataset;
    if (dim !== loaded.standardizer.dim) fail(configInvalid('--data', `the ${config.dataset} files there have D = ${dim}, the run in '${runPath}' was trained with D = ${loaded.standardizer.dim}`));
    const settings: EvalSettings = {
      ...heldOutSettings(flags, evalDefaults, config, Math.min(flags.n ?? test.rows, test.rows)),
      trace: (flags.trace ?? evalDefaults.trace) === 'auto' ? autoTrace(dim) : (flags.trace as 'exact' | 'hutchinson'),
      probes: flags.probes ?? evalDefaults.probes,
      batchSize: flags.batchSize ?? evalDefaults.batchSize,
    };
    const dir = await openHeldOutDir(flags.out ?? `${runPath}/${evalFolderName(settings)}`, { run: runPath, dataset: config.dataset, ...settings });

    const r = evaluateTabular(loaded, data, settings);
    const rows = resultRows(config.dataset, r);
    await orThrow(writeFileAtomic(dir.file('results.csv'), resultCsv(config.dataset, rows)));
    const { perSampleNll: _perSample, ...numbers } = r;
    await writeHeldOutReport(dir, {
      started,
      command: 'tabular eval',
      run: runPath,
      dataset: config.dataset,
      iteration: loaded.iteration,
      backend,
      settings,
      result: r,
      points: 'test rows',
      fields: { units: "nats per sample in the dataset's own coordinates (NLL_x = NLL_y − log|det ∂y/∂x|, y = train-standardised x)", ...numbers, table: rows },
      table: formatResultTable(rows),
      timings: `NLL ${(r.nll.ms / 1000).toFixed(1)} s, −ELBO ${(r.negativeElbo.ms / 1000).toFixed(1)} s, `,
    });
    return r;
  });
}
