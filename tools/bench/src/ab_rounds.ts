/**
 * The bench's A/B in one process: two variants' units timed in alternating order, round by round
 * (A B, B A, A B, …), so a VM that speeds up or slows down during the run affects both alike; and
 * the summaries the scripts print (`versus_tree`, `optimizer_step`, `weight_gradients`).
 */
import { cpuUsage } from 'node:process';
import { median } from './stats.js';

/** Per variant (index 0 = A, 1 = B), one entry per round: wall and CPU (user + system) ms. */
export interface AbTimes {
  readonly wall: [number[], number[]];
  readonly cpu: [number[], number[]];
}

/**
 * Runs `unit(k, round)` for k = 0 and 1 in each of `rounds` rounds, the order alternating, timing
 * each; a function the unit returns (e.g. freeing its outputs) runs after its timing.
 */
export function interleavedAb(rounds: number, unit: (k: 0 | 1, round: number) => void | (() => void)): AbTimes {
  const wall: [number[], number[]] = [[], []];
  const cpu: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const k of round % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      const c0 = cpuUsage();
      const t0 = performance.now();
      const after = unit(k, round);
      wall[k].push(performance.now() - t0);
      const c = cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1000);
      if (typeof after === 'function') after();
    }
  }
  return { wall, cpu };
}

/** "median (min–max)" of `xs`, the median with `digits` decimals, the range with `rangeDigits`. */
export function spread(xs: readonly number[], digits: number, rangeDigits = digits): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(rangeDigits)}–${Math.max(...xs).toFixed(rangeDigits)})`;
}

/** The per-round ratios B ÷ A of `times` ([A, B], one entry per round each). */
export function roundRatios(times: readonly [readonly number[], readonly number[]]): number[] {
  return times[1].map((t, i) => t / (times[0][i] as number));
}
