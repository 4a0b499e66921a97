/**
 * Progressive training (paper §4.3, fact sheet §2.7): start with few steps N and switch to larger N
 * as training proceeds, e.g. 5 → 10 → 20 → 30 after iterations 3k, 5k, 8k.
 */
export interface ProgressiveSpec {
  /** The values of N in the order they are used, e.g. [5, 10, 20, 30]. */
  readonly steps: readonly number[];
  /** Iterations at which N moves to the next value; one fewer than `steps`, increasing. */
  readonly switchAt: readonly number[];
}

/** The number of steps N by training iteration (see {@link progressiveSchedule}). */
export interface ProgressiveSchedule {
  readonly spec: ProgressiveSpec;
  /** The stage index (0-based) in force at `iteration`. */
  stageAt(iteration: number): number;
  /** N in force at `iteration` (iterations count from 0; the switch happens *at* switchAt[k]). */
  stepsAt(iteration: number): number;
}

/**
 * @example
 * const s = progressiveSchedule({ steps: [5, 10, 20, 30], switchAt: [3000, 5000, 8000] });
 * s.stepsAt(2999) === 5 && s.stepsAt(3000) === 10 && s.stepsAt(9000) === 30;
 */
export function progressiveSchedule(spec: ProgressiveSpec): ProgressiveSchedule {
  const { steps, switchAt } = spec;
  if (steps.length < 1) throw new RangeError('progressive.steps must list at least one N');
  steps.forEach((n, k) => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`progressive.steps[${k}] must be an integer ≥ 1, got ${n}`);
  });
  if (switchAt.length !== steps.length - 1) {
    throw new RangeError(`progressive.switchAt must have steps.length − 1 = ${steps.length - 1} entries, got ${switchAt.length}`);
  }
  switchAt.forEach((it, k) => {
    if (!Number.isInteger(it) || it < 1 || (k > 0 && it <= (switchAt[k - 1] as number))) {
      throw new RangeError(`progressive.switchAt[${k}] must be an integer ≥ 1 and larger than the one before, got ${it}`);
    }
  });
  const stageAt = (iteration: number): number => {
    let k = 0;
    while (k < switchAt.length && iteration >= (switchAt[k] as number)) k++;
    return k;
  };
  return { spec, stageAt, stepsAt: (iteration) => steps[stageAt(iteration)] as number };
}
