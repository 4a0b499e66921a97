/**
 * A model's training history, read back from a run's metrics.jsonl, so that a run resumed
 * (`--resume`, possibly across several processes) reports its whole training, not just the part
 * run last. A resumed run replays the iterations after its last checkpoint: the last line of an
 * iteration wins (it is the one the final weights descend from).
 */
import { readFile } from 'node:fs/promises';
import { metricsRecords } from './run_dir.js';

/**
 * The records that `keep` accepts and that carry a numeric `iteration`, the last one of each
 * iteration, in iteration order.
 * @param records metrics.jsonl lines as `metricsRecords` parses them
 */
export function lastPerIteration(records: readonly Record<string, unknown>[], keep: (r: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  const byIteration = new Map<number, Record<string, unknown>>();
  for (const r of records) if (typeof r['iteration'] === 'number' && keep(r)) byIteration.set(r['iteration'], r);
  return [...byIteration.keys()].sort((a, b) => a - b).map((i) => byIteration.get(i)!);
}

/** The logged iterations of one model, in order: iteration index, loss, milliseconds. */
export interface TrainingHistory {
  readonly iterations: readonly number[];
  readonly losses: readonly number[];
  readonly ms: readonly number[];
}

/** Summary of a history for `total` iterations (nulls when nothing was logged). */
export interface HistorySummary {
  /** total × the mean logged ms per iteration (exact when every iteration is logged). */
  readonly seconds: number | null;
  readonly msPerIterationMedian: number | null;
  /** Mean loss of the last 50 logged iterations. */
  readonly lossLast50: number | null;
  /** How many iterations the history holds. */
  readonly logged: number;
}

/**
 * The lines of a metrics.jsonl text whose fields equal every entry of `where` (e.g. `{ phase:
 * 'train', dataset, model }`) and that carry a numeric `iteration` and `ms`, last line per
 * iteration ({@link lastPerIteration}); a missing or non-numeric `lossKey` reads as NaN. Lines cut
 * short by a crash are skipped.
 */
export function parseTrainingHistory(text: string, where: Readonly<Record<string, unknown>>, lossKey: string): TrainingHistory {
  const rows = lastPerIteration(metricsRecords(text), (r) => typeof r['ms'] === 'number' && Object.entries(where).every(([k, v]) => r[k] === v));
  return {
    iterations: rows.map((r) => r['iteration'] as number),
    losses: rows.map((r) => (typeof r[lossKey] === 'number' ? (r[lossKey] as number) : Number.NaN)),
    ms: rows.map((r) => r['ms'] as number),
  };
}

/**
 * The training history in the metrics.jsonl file at `path`: the lines whose fields equal every entry
 * of `where` (e.g. `{ phase: 'train', dataset, model }`) and that carry a numeric `iteration` and
 * `ms`, the last line per iteration; a missing or non-numeric `lossKey` reads as NaN, lines cut short
 * by a crash are skipped, and a missing file is an empty history (nothing logged yet).
 */
export async function readTrainingHistory(path: string, where: Readonly<Record<string, unknown>>, lossKey: string): Promise<TrainingHistory> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // no metrics yet
  }
  return parseTrainingHistory(text, where, lossKey);
}

/** The median of a list (the mean of the middle two for an even length); null when empty. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The time, median iteration time and recent loss of a history of `total` iterations (see {@link HistorySummary}). */
export function summarizeHistory(h: TrainingHistory, total: number): HistorySummary {
  const n = h.ms.length;
  if (n === 0) return { seconds: null, msPerIterationMedian: null, lossLast50: null, logged: 0 };
  const mean = h.ms.reduce((a, b) => a + b, 0) / n;
  const tail = h.losses.slice(-50);
  return {
    seconds: (total * mean) / 1000,
    msPerIterationMedian: median(h.ms),
    lossLast50: tail.reduce((a, b) => a + b, 0) / tail.length,
    logged: n,
  };
}
