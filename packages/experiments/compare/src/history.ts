/**
 * A model's training history, read back from the run's metrics.jsonl, so that a resumed run
 * (`--resume`, possibly across several processes) reports the whole training, not just the part
 * run last.
 */
import { readFile } from 'node:fs/promises';
import { metricsRecords } from '@diffflow/runs';

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
 * The `{phase: 'train', dataset, model, iteration, ms, <lossKey>}` lines of a metrics.jsonl text
 * for one model. A resumed run may repeat iterations after its last checkpoint: the last line of
 * an iteration wins (it is the one the final weights descend from). Other lines are ignored.
 */
export function parseTrainingHistory(text: string, dataset: string, model: string, lossKey: string): TrainingHistory {
  const byIteration = new Map<number, { loss: number; ms: number }>();
  for (const r of metricsRecords(text)) {
    if (r['phase'] !== 'train' || r['dataset'] !== dataset || r['model'] !== model) continue;
    const it = r['iteration'];
    const loss = r[lossKey];
    const ms = r['ms'];
    if (typeof it !== 'number' || typeof ms !== 'number') continue;
    byIteration.set(it, { loss: typeof loss === 'number' ? loss : Number.NaN, ms });
  }
  const iterations = [...byIteration.keys()].sort((a, b) => a - b);
  return {
    iterations,
    losses: iterations.map((i) => byIteration.get(i)!.loss),
    ms: iterations.map((i) => byIteration.get(i)!.ms),
  };
}

export async function readTrainingHistory(path: string, dataset: string, model: string, lossKey: string): Promise<TrainingHistory> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // no metrics yet
  }
  return parseTrainingHistory(text, dataset, model, lossKey);
}

export function summarizeHistory(h: TrainingHistory, total: number): HistorySummary {
  const n = h.ms.length;
  if (n === 0) return { seconds: null, msPerIterationMedian: null, lossLast50: null, logged: 0 };
  const sorted = [...h.ms].sort((a, b) => a - b);
  const mean = h.ms.reduce((a, b) => a + b, 0) / n;
  const tail = h.losses.slice(-50);
  return {
    seconds: (total * mean) / 1000,
    msPerIterationMedian: n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2,
    lossLast50: tail.reduce((a, b) => a + b, 0) / tail.length,
    logged: n,
  };
}
