import { DivergenceError } from './retry.js';

/** What {@link trainUntil} steps: DiffFlow's `Trainer`, the DDPM baseline's, or any other. */
export interface Steppable<M> {
  /** The next iteration to run (0-based); `step` advances it. */
  readonly iteration: number;
  /** Runs one iteration; throws {@link DivergenceError} when it stays non-finite. */
  step(): M;
}

/** How long {@link trainUntil} trains and what it calls around each iteration. */
export interface LoopSchedule<M> {
  /** Train until the trainer's iteration reaches this. */
  readonly iters: number;
  /** Call `save` after every iteration that is a multiple of this, and at the end. */
  readonly checkpointEvery: number;
  /** Stop after this many seconds of training (0 or absent: no limit); the loop then ends as if `iters` were reached. */
  readonly maxSeconds?: number;
  /** After each iteration: `m` is its metrics, `iteration` the trainer's iteration after it. */
  readonly afterStep?: (m: M, iteration: number) => void | Promise<void>;
  /** Saves the trainer's state (a checkpoint). Awaited; its errors propagate. */
  readonly save: () => void | Promise<void>;
  /** Releases what the caller holds when training diverges, before the last good state is saved. */
  readonly onDivergence?: () => void;
}

/** How a {@link trainUntil} ended. */
export interface LoopResult {
  /** Seconds from the first to the last iteration (checkpoints after the last excluded). */
  readonly trainSeconds: number;
  /** True when `maxSeconds` stopped the loop before `iters`. */
  readonly stoppedByTime: boolean;
}

/**
 * The outer training loop, the same for every model: step until `iters` (or `maxSeconds`), call
 * `afterStep` (metrics, progress), `save` every `checkpointEvery` iterations and once at the end.
 * A trainer already at `iters` returns at once, saving nothing. On a {@link DivergenceError} it
 * calls `onDivergence`, saves the last good state and rethrows the error (the caller's CLI runner
 * decides the exit code); any other error propagates unchanged, nothing saved.
 */
export async function trainUntil<M>(trainer: Steppable<M>, schedule: LoopSchedule<M>): Promise<LoopResult> {
  if (!Number.isInteger(schedule.checkpointEvery) || schedule.checkpointEvery < 1) {
    throw new RangeError(`trainUntil: checkpointEvery must be an integer ≥ 1, got ${schedule.checkpointEvery}`);
  }
  if (trainer.iteration >= schedule.iters) return { trainSeconds: 0, stoppedByTime: false };
  const maxSeconds = schedule.maxSeconds ?? 0;
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  let stoppedByTime = false;
  try {
    while (trainer.iteration < schedule.iters) {
      if (maxSeconds > 0 && elapsed() >= maxSeconds) {
        stoppedByTime = true;
        break;
      }
      const m = trainer.step();
      await schedule.afterStep?.(m, trainer.iteration);
      if (trainer.iteration % schedule.checkpointEvery === 0) await schedule.save();
    }
  } catch (e) {
    if (e instanceof DivergenceError) {
      schedule.onDivergence?.();
      await schedule.save();
    }
    throw e;
  }
  const trainSeconds = elapsed();
  await schedule.save();
  return { trainSeconds, stoppedByTime };
}
