/**
 * The training budget of images:compare: the DDPM baseline gets DiffFlow's training wall-clock.
 *
 * DiffFlow's cpu preset trains in two phases: a score warm-up (DDPM's ε-loss on the score U-Net,
 * batches of `warmupBatch`, one thread) and the trajectory KL (drift and score jointly, split over
 * the data-parallel pool). A warm-up iteration *is* a DDPM iteration — same loss, U-Net, batch size,
 * optimiser and thread — so the run's own warm-up prices DDPM's iterations on the same machine
 * under the same load: DDPM iterations = DiffFlow's total training milliseconds (both phases, as
 * logged per iteration in its metrics.jsonl) / the median warm-up iteration's milliseconds.
 * Measured in one run, the ratio is far steadier than either time alone on a loaded machine.
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { fileMalformed, fromFsError, type ExperimentError } from '@diffflow/cli';
import { lastPerIteration, median, metricsRecords } from '@diffflow/runs';

/** What DiffFlow's training cost, per phase, read back from its run's metrics.jsonl. */
export interface TrainingCost {
  readonly warmupIterations: number;
  readonly klIterations: number;
  /** Σ of the logged milliseconds of each phase's iterations, in seconds. */
  readonly warmupSeconds: number;
  readonly klSeconds: number;
  readonly msPerWarmupIterationMedian: number | null;
  readonly msPerKlIterationMedian: number | null;
}

/**
 * The cost of a DiffFlow run from its metrics.jsonl text: one line per iteration with `iteration`,
 * `ms` and `phase` ('score-warmup' or 'trajectory-kl'; a line without a phase is trajectory KL, as
 * runs logged before the warm-up existed). A resumed run may repeat iterations after its last
 * checkpoint: the last line of an iteration wins. Lines cut short or without numbers are skipped.
 */
export function trainingCostOf(text: string): TrainingCost {
  const rows = lastPerIteration(metricsRecords(text), (r) => typeof r['ms'] === 'number' && Number.isFinite(r['ms']));
  const warmup = rows.filter((r) => r['phase'] === 'score-warmup').map((r) => r['ms'] as number);
  const kl = rows.filter((r) => r['phase'] !== 'score-warmup').map((r) => r['ms'] as number);
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  return {
    warmupIterations: warmup.length,
    klIterations: kl.length,
    warmupSeconds: sum(warmup) / 1000,
    klSeconds: sum(kl) / 1000,
    msPerWarmupIterationMedian: median(warmup),
    msPerKlIterationMedian: median(kl),
  };
}

/** Reads a run's metrics.jsonl into its {@link TrainingCost}: a missing file or one without a warm-up iteration is an error naming it. */
export function readTrainingCost(path: string): TE.TaskEither<ExperimentError, TrainingCost> {
  return async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      return E.left(fromFsError(path, e, 'an images:train run logs its iterations there; is the folder one?'));
    }
    const cost = trainingCostOf(text);
    if (cost.warmupIterations === 0) {
      return E.left(fileMalformed(path, "holds no score-warmup iteration: the DDPM budget is priced in the run's warm-up iterations (train with --forward=vp --warmup=…)"));
    }
    return E.right(cost);
  };
}

/** The DDPM baseline's budget: its iterations and what they were priced from. */
export interface DdpmBudget {
  /** DDPM training iterations (≥ DiffFlow's warm-up iterations). */
  readonly iterations: number;
  /** DiffFlow's training seconds (warm-up + trajectory KL) that the iterations match. */
  readonly diffflowSeconds: number;
  /** The price of one DDPM iteration: DiffFlow's median warm-up iteration, ms. */
  readonly msPerIteration: number;
  /** 'budget' (from DiffFlow's cost) or 'flag' (--ddpmIters). */
  readonly source: 'budget' | 'flag';
}

/**
 * DDPM iterations for DiffFlow's training cost: round(total ms / median warm-up ms), at least the
 * warm-up's own count (DDPM then starts exactly as DiffFlow's warm-up did); `override` > 0 (the
 * `--ddpmIters` flag) replaces the count.
 * @throws RangeError when the cost has no warm-up iteration (nothing prices a DDPM iteration)
 */
export function ddpmBudget(cost: TrainingCost, override = 0): DdpmBudget {
  const price = cost.msPerWarmupIterationMedian;
  if (price === null || !(price > 0)) throw new RangeError(`ddpmBudget: cost must hold warm-up iterations with a positive median time, got ${price}`);
  const diffflowSeconds = cost.warmupSeconds + cost.klSeconds;
  if (override > 0) return { iterations: override, diffflowSeconds, msPerIteration: price, source: 'flag' };
  const bought = Math.round((1000 * diffflowSeconds) / price);
  return { iterations: Math.max(cost.warmupIterations, bought), diffflowSeconds, msPerIteration: price, source: 'budget' };
}
