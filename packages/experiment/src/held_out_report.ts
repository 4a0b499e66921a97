/**
 * The steps around a held-out evaluation that every experiment's `eval` command shares: use a
 * run loaded with its EMA weights and release it after ({@link withEmaRun}), open the output
 * folder named by the settings ({@link openHeldOutDir}), and write what every evaluation writes —
 * nll.npy, eval.json and the table on stdout ({@link writeHeldOutReport}).
 */
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { DiffusionModel } from '@diffflow/sde-core';
import { orThrow, type ExperimentError } from '@diffflow/cli';
import { openRunDir, type RunDir } from '@diffflow/runs';
import { disposeModel } from '@diffflow/training';
import type { HeldOutLikelihood } from './held_out.js';

/**
 * Loads a run (e.g. runs' `loadEmaRun`; its error is thrown typed, for `runCli` to print), runs
 * `use` on it and releases its model afterwards, also when `use` throws.
 */
export async function withEmaRun<R extends { readonly model: DiffusionModel }, T>(load: TE.TaskEither<ExperimentError, R>, use: (run: R) => Promise<T>): Promise<T> {
  const run = await orThrow(load);
  try {
    return await use(run);
  } finally {
    disposeModel(run.model);
  }
}

/**
 * Opens an evaluation's output folder `out` (created when missing; resumed when it holds the same
 * evaluation) and writes `identity` — everything that changes the numbers — as its config.json.
 * A folder holding another evaluation or files of something else is refused with a typed error,
 * before anything is written (runs' `openRunDir`).
 */
export async function openHeldOutDir(out: string, identity: unknown): Promise<RunDir> {
  const dir = await orThrow(openRunDir(out, { config: identity, resume: true }));
  await orThrow(dir.writeConfig(identity));
  return dir;
}

/** What {@link writeHeldOutReport} writes and prints. */
export interface HeldOutReport {
  /** `performance.now()` when the command started: eval.json's totalMs counts from it. */
  readonly started: number;
  /** The command heading the table, e.g. 'toy2d eval'. */
  readonly command: string;
  /** The run folder evaluated. */
  readonly run: string;
  /** The dataset the run was trained on (eval.json's `dataset`). */
  readonly dataset: string;
  /** How the table's header names the data (default: `dataset`). */
  readonly dataName?: string;
  /** The checkpoint's training iteration; null when it has none. */
  readonly iteration: number | null;
  /** The tfjs backend's name. */
  readonly backend: string;
  /** The resolved settings (eval.json's `settings`). */
  readonly settings: unknown;
  /** The held-out likelihood: its per-point NLL is nll.npy. */
  readonly result: Pick<HeldOutLikelihood, 'n' | 'dim' | 'perSampleNll'>;
  /** What the header calls the held-out points, e.g. 'held-out points' or 'test rows'. */
  readonly points: string;
  /** The experiment's own fields of eval.json, in order, after `settings`. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The results table (e.g. a `textTable`), printed under the header. */
  readonly table: string;
  /** Printed before the total time on the last line, e.g. 'NLL 2.1 s, −ELBO 0.3 s, '. */
  readonly timings?: string;
}

/**
 * Writes into `dir`:
 * - nll.npy: the per-point NLL, float32 [n], nats in the dataset's coordinates;
 * - eval.json: `{run, dataset, checkpointIteration, weights: 'ema', backend, settings, …fields, totalMs}`;
 * and prints to stdout the header `<command>: <data>, <run> (iteration <i>, EMA weights), <n> <points>, D = <D>`,
 * the table and `<timings>total <s> s → <dir>`.
 */
export async function writeHeldOutReport(dir: RunDir, report: HeldOutReport): Promise<void> {
  const { result: r } = report;
  await orThrow(dir.writeNpy('nll.npy', r.perSampleNll, [r.n]));
  const totalMs = performance.now() - report.started;
  await orThrow(
    dir.writeJson('eval.json', {
      run: report.run,
      dataset: report.dataset,
      checkpointIteration: report.iteration,
      weights: 'ema',
      backend: report.backend,
      settings: report.settings,
      ...report.fields,
      totalMs,
    }),
  );
  const header = `${report.command}: ${report.dataName ?? report.dataset}, ${report.run} (iteration ${report.iteration ?? '?'}, EMA weights), ${r.n} ${report.points}, D = ${r.dim}`;
  process.stdout.write(`${header}\n${report.table}\n${report.timings ?? ''}total ${(totalMs / 1000).toFixed(2)} s → ${dir.path}\n`);
}
