import { replayableUniforms } from './noise.js';

/**
 * Time discretisations of [t_min, T] (paper §3.3, fact sheet §2.6).
 *
 * Both grids are uniform in t^β, as the reference code's `ExpTimer` does: with β < 1 the steps
 * Δt_i grow toward T, so the resolution is finest near the data (t_min).
 */

/** Time points t_0 < t_1 < … < t_N, as plain numbers (one time per step, shared by the batch). */
export type TimeGrid = readonly number[];

/** What fixes a grid: N steps from `tMin` to `tMax`, uniform in t^β. */
export interface GridSpec {
  /** Number of steps N ≥ 1 (the grid has N + 1 points). */
  readonly steps: number;
  /** First time t_0 ≥ 0. */
  readonly tMin: number;
  /** Last time t_N = T > tMin. */
  readonly tMax: number;
  /** Exponent β > 0 of the warping; 1 is a uniform grid. */
  readonly beta: number;
}

/** Throws a RangeError naming the first field of `spec` out of its allowed range. */
export function checkGridSpec(spec: GridSpec, where = 'grid'): void {
  const { steps, tMin, tMax, beta } = spec;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`${where}.steps must be an integer ≥ 1, got ${steps}`);
  if (!Number.isFinite(tMin) || tMin < 0) throw new RangeError(`${where}.tMin must be a finite number ≥ 0, got ${tMin}`);
  if (!Number.isFinite(tMax) || tMax <= tMin) throw new RangeError(`${where}.tMax (T) must be finite and > tMin = ${tMin}, got ${tMax}`);
  if (!Number.isFinite(beta) || beta <= 0) throw new RangeError(`${where}.beta must be a finite number > 0, got ${beta}`);
}

/** u ∈ [0, 1] ↦ t with t^β = (1 − u)·tMin^β + u·tMax^β. */
function warp(spec: GridSpec, u: number): number {
  const a = spec.tMin ** spec.beta;
  const b = spec.tMax ** spec.beta;
  return (a + (b - a) * u) ** (1 / spec.beta);
}

/**
 * The fixed grid L_β: t_i = warp(i / N), uniform in t^β, the same for every batch.
 * @returns N + 1 increasing times with t_0 = tMin and t_N = tMax exactly.
 * @example fixedGrid({ steps: 30, tMin: 1e-3, tMax: 0.05, beta: 0.9 }) // the reference 2-D grid
 */
export function fixedGrid(spec: GridSpec): TimeGrid {
  checkGridSpec(spec);
  const n = spec.steps;
  const times = Array.from({ length: n + 1 }, (_, i) => warp(spec, i / n));
  times[0] = spec.tMin;
  times[n] = spec.tMax;
  return times;
}

/**
 * The flexible grid L̂_β, re-drawn for every batch: the end points stay at tMin and tMax; interior
 * point i (1 ≤ i ≤ N − 1) is drawn uniformly (in t^β) inside cell i of the N-point grid that is
 * uniform in t^β, i.e. between warp((i − 1)/(N − 1)) and warp(i/(N − 1)).
 *
 * @param uniforms N − 1 numbers in (0, 1), one per interior point (see `gridUniforms` in noise.ts
 *   for replayable ones). Draws of exactly 0 or 1 are nudged inside so every Δt_i > 0.
 */
export function flexibleGrid(spec: GridSpec, uniforms: ArrayLike<number>): TimeGrid {
  checkGridSpec(spec);
  const n = spec.steps;
  if (uniforms.length !== n - 1) {
    throw new RangeError(`flexibleGrid: needs steps − 1 = ${n - 1} uniforms, got ${uniforms.length}`);
  }
  if (n === 1) return [spec.tMin, spec.tMax];
  const times = [spec.tMin];
  for (let i = 1; i < n; i++) {
    const u = Math.min(Math.max(uniforms[i - 1] ?? 0.5, 1e-6), 1 - 1e-6);
    times.push(warp(spec, (i - 1 + u) / (n - 1)));
  }
  times.push(spec.tMax);
  return times;
}

/** Step sizes Δt_i = t_{i+1} − t_i, i = 0 … N − 1. */
export function stepSizes(grid: TimeGrid): number[] {
  return grid.slice(1).map((t, i) => t - (grid[i] as number));
}

/** Throws unless `grid` has ≥ 2 finite, strictly increasing points. */
export function checkGrid(grid: TimeGrid, where = 'grid'): void {
  if (grid.length < 2) throw new RangeError(`${where} must have at least 2 time points, got ${grid.length}`);
  for (let i = 0; i < grid.length; i++) {
    const t = grid[i] as number;
    if (!Number.isFinite(t)) throw new RangeError(`${where}[${i}] is not finite (${t})`);
    if (i > 0 && t <= (grid[i - 1] as number)) throw new RangeError(`${where} must increase strictly: t[${i}] = ${t} ≤ t[${i - 1}]`);
  }
}

/**
 * The flexible grid of one training iteration, drawn from the replayable uniforms of
 * (seed, 'grid', iteration): the same iteration always gets the same grid.
 */
export function flexibleGridAt(spec: GridSpec, seed: number, iteration: number): TimeGrid {
  checkGridSpec(spec);
  return flexibleGrid(spec, replayableUniforms(spec.steps - 1, { seed, purpose: 'grid', iteration, step: 0 }));
}
