/**
 * The time slider over two grids: the learned forward process lives on the training grid
 * t_0 … t_N, the sampler on its own grid t_0 … t_M (M = the sampler's steps, which may differ from
 * N). The slider walks the finer grid; each panel shows its own state nearest that time, so both
 * reach the noise end T together whatever N and M are.
 */

/** Where the slider is, and what each panel shows. */
export interface TimeView {
  /** Slider position, 0 … `max`. */
  readonly index: number;
  /** The last position: the finer grid's number of steps. */
  readonly max: number;
  /** The time at the slider (null without grids). */
  readonly t: number | null;
  /** Index into the forward grid nearest `t`. */
  readonly forward: number;
  /** Index into the sampler's grid nearest `t`. */
  readonly backward: number;
}

/** Index of the value of the increasing list `times` nearest `t` (0 for an empty list). */
export function nearestIndex(times: readonly number[], t: number): number {
  let best = 0;
  for (let i = 1; i < times.length; i++) if (Math.abs((times[i] as number) - t) < Math.abs((times[best] as number) - t)) best = i;
  return best;
}

/**
 * The view at slider position `index` (clamped to the slider's range) over the forward grid
 * `forwardTimes` and the sampler grid `backwardTimes`, both increasing from t_0 to T.
 */
export function timeView(forwardTimes: readonly number[], backwardTimes: readonly number[], index: number): TimeView {
  const finer = backwardTimes.length > forwardTimes.length ? backwardTimes : forwardTimes;
  const max = Math.max(0, finer.length - 1);
  const i = Math.max(0, Math.min(max, Math.round(Number.isFinite(index) ? index : 0)));
  const t = finer.length === 0 ? null : (finer[i] as number);
  return { index: i, max, t, forward: t === null ? 0 : nearestIndex(forwardTimes, t), backward: t === null ? 0 : nearestIndex(backwardTimes, t) };
}
