import * as tf from '@tensorflow/tfjs-core';
import {
  checkFieldOutput,
  checkFinite,
  checkReplays,
  requireGradients,
  tapeSafe,
  checkSdeGrid,
  halfSquaredNorm,
  stepSizes,
  type DiffusionModel,
  type ReplayableNoise,
  type TimeGrid,
} from '@diffflow/sde-core';
import { hasLinearize, linearize, timeTable, vjp, type TableLinearization, type TimeTable, type VectorField } from '@diffflow/networks';
import { assembleLoss, forwardRollout, stepBackwardNoise, terminalNll } from '@diffflow/losses';
import type { GradientResult, GradientStrategy } from './strategy.js';

/**
 * The stochastic adjoint (paper Algorithm 2, fact sheet §2.5): gradients of the trajectory KL with
 * memory constant in N apart from the cached states x_0 … x_N.
 *
 * Notation: Δt_i = t_{i+1} − t_i, g_j = g(t_j), F_j = f(x_j, t_j), S_j = s(x_j, t_j), B the batch.
 *   forward step      x_{i+1} = x_i + F_i Δt_i + g_i √Δt_i δ^F_i
 *   backward noise    δ^B_i = r_i / (g_{i+1} √Δt_i),  r_i = x_i − x_{i+1} + (F_{i+1} − g_{i+1}² S_{i+1}) Δt_i
 *   objective         L = (1/B) Σ_b [−log p_T(x_N) + Σ_i ½‖δ^B_i‖²]   (p_T: the SDE's prior)
 *
 * Every point x_j feeds the step that leaves it (x_{j+1} through F_j) and the backward noise of the
 * step that enters it (δ^B_{j−1} through x_j, F_j, S_j). With ρ_i = δ^B_i / (B g_{i+1} √Δt_i), the
 * cotangent of r_i, and a_j = dL/dx_j (the adjoint, total derivative), the backward walk is
 *
 *   cotangent of F_j   φ_j = Δt_j a_{j+1} [j < N] + Δt_{j−1} ρ_{j−1} [j ≥ 1]
 *   cotangent of S_j   σ_j = −g_j² Δt_{j−1} ρ_{j−1}                      [j ≥ 1]
 *   a_N = −∇log p_T(x_N) / B − ρ_{N−1} + J_F(x_N)ᵀ φ_N + J_S(x_N)ᵀ σ_N
 *   a_j = a_{j+1} + ρ_j − ρ_{j−1} + J_F(x_j)ᵀ φ_j + J_S(x_j)ᵀ σ_j          (1 ≤ j < N)
 *   dL/dθ = Σ_j ∂F_j/∂θᵀ φ_j + ∂S_j/∂θᵀ σ_j
 *
 * so each point costs one pull-back of the drift (with the summed cotangent) and one of the score.
 * The pull-backs go through `vjp` / `linearize` of @diffflow/networks; since ρ_{j−1} depends on F_j
 * and S_j, their values are needed before the pull-backs at x_j:
 *   - S_j: `linearize(score, x_j)` — its value now and its pull-back later from the same forward pass
 *     (a field without its own `linearize` evaluates twice); the score is not evaluated in the
 *     forward rollout at all;
 *   - F_j, j < N: replayed without a network call from the cached states and the regenerated forward
 *     noise, F_j Δt_j = x_{j+1} − x_j − g_j √Δt_j δ^F_j (see {@link AdjointOptions.driftValues});
 *   - F_N: one drift evaluation.
 * Network work per step: forward rollout 1 drift evaluation; backward walk 2 network calls — the
 * drift's pull-back and the score's linearisation (forward pass + pull-back). The loss terms δ^B come out of the backward walk.
 *
 * Drift cache: when the drift has its own `linearize` (the Fourier MLP), the rollout keeps the
 * forward pass of F_i for as many steps as {@link AdjointOptions.driftCacheBytes} allows, and the
 * backward walk pulls back through it instead of running the drift forward again: one forward pass
 * fewer per cached step (F_j is then the rollout's own value, not a replay). The cache is the full
 * one (each layer's input and gate derivative) when all N steps of it fit in the budget, else the
 * compact one (pre-activations, half the bytes; the gates are evaluated again at the pull-back): the
 * same ops either way, so the same numbers. The memory is bounded by that budget whatever N is; at
 * the last point, F_N's value and pull-back come from one linearisation.
 *
 * Time tables: a field with its own {@link TimeTable} (the Fourier MLP) evaluates its time
 * conditioning at all grid times once per call instead of once per network call, and pulls all the
 * steps' cotangents back through it at the end (see {@link AdjointOptions.timeTables}).
 *
 * Batched score passes: in the walk above, nothing at the score depends on the adjoint. S_j needs
 * x_j; ρ_{j−1} = δ^B_{j−1}/(B g_j √Δt_{j−1}) needs x_{j−1}, x_j, F_j (cached or replayed) and S_j;
 * σ_j = −g_j² Δt_{j−1} ρ_{j−1} needs ρ_{j−1}. So for C consecutive points lo … hi the score runs as
 * one linearisation on [C·B, D] rows (x_lo; …; x_hi, block k at t_{lo+k}: the time table's
 * `linearizeBlocks`), then δ^B_{j−1}, ρ_{j−1}, σ_j per point, then one pull-back with
 * [σ_lo; …; σ_hi], whose dx rows are the points' J_S(x_j)ᵀσ_j and whose parameter gradients are
 * Σ_{j=lo}^{hi} ∂S_j/∂θᵀσ_j. The walk does this when it reaches hi (with F_N's drift linearisation
 * made first at hi = N, so that F_N comes from it) and then, point by point, only pulls back the
 * drift and adds the kept rows: a_j = a_{j+1} + ρ_j − ρ_{j−1} + J_F(x_j)ᵀφ_j + [J_Sᵀσ_j]. Per point
 * the same ops on the same rows, so S_j, δ^B, ρ, the loss terms, dL/dx and every drift gradient are
 * the per-point walk's bit for bit; the score's gradients are its sums in another order. C is set by
 * {@link AdjointOptions.batchedScoreBytes}.
 */
export interface AdjointOptions {
  /**
   * How the backward walk gets F_j = f(x_j, t_j) at points j < N:
   * - `'replay'` (default): from the cached states and the forward noise regenerated from the
   *   NoiseSource, F_j = (x_{j+1} − x_j − g_j √Δt_j δ^F_j) / Δt_j. No network call. In float32 the
   *   recovered F_j Δt_{j−1} carries the rounding of x_{j+1} scaled by Δt_{j−1}/Δt_j, so on a step
   *   where Δt_{j−1} > {@link replayMaxStepRatio}·Δt_j (possible on flexible grids) the drift is
   *   evaluated instead. Needs a replayable NoiseSource (the same tensor for the same step).
   * - `'recompute'`: evaluate the drift network at every point (one more network call per step).
   */
  readonly driftValues?: 'replay' | 'recompute';
  /**
   * Most bytes of drift forward passes the rollout may keep for the backward walk (default
   * {@link defaultDriftCacheBytes}; 0 turns the cache off). Steps are cached from the first until
   * the next one would exceed it. The Fourier MLP 3 × 128 keeps 8 × B × 128 floats a step (full
   * cache), or 4 × B × 128 (compact, used when the full cache of all steps does not fit): all 30
   * steps at B = 256 take 31.5 MiB full, 15.7 MiB compact.
   */
  readonly driftCacheBytes?: number;
  /**
   * Whether a field with its own time table (the Fourier MLP: `timeTable` of @diffflow/networks)
   * evaluates its time embedding at all N + 1 grid times in one pass and pulls it back once, after
   * the walk (default true): ~30 batch-independent kernels fewer per network call. The loss terms,
   * dL/dx and every gradient outside the time embedding are unchanged bit for bit; the time
   * embedding's four gradients (φ, W₁, b₁, W₂) are the same sums over the steps in another order
   * (float32 rounding, tested ≤ 1e-5 relative). `false`: one embedding per call, as before.
   */
  readonly timeTables?: boolean;
  /**
   * Most bytes of score forward passes one batched score pass may keep (default
   * {@link defaultBatchedScoreBytes}; 0: one score linearisation per point, as before). Needs a
   * score with a time table (the Fourier MLP, with {@link timeTables} on); any other score takes the
   * per-point walk. Nothing in S_j or its cotangent σ_j = −g_j² Δt_{j−1} ρ_{j−1} depends on the
   * adjoint, so the scores and their pull-backs of C consecutive points run as ONE linearisation on
   * [C·B, D] rows (`TimeTable.linearizeBlocks`), C as large as the budget allows (all N points when
   * they fit): C·B × the score's cache bytes per row. The loss terms, S_j and J_Sᵀσ_j are those of the
   * per-point walk bit for bit; the score's parameter gradients are the same sums over points and
   * rows in another order (float32 rounding, tested ≤ 1e-5 relative).
   */
  readonly batchedScoreBytes?: number;
}

/**
 * Default of {@link AdjointOptions.driftCacheBytes}: 80 MiB, all 30 steps of the reference network
 * (3 × 128) on 1,250 rows (73.3 MiB) — the chunk a thread of `dataParallel` runs at B = 5000 on two
 * threads. Against 32 MiB (13 of those steps): one training chunk −7 % CPU / −11 % wall, for +42 MiB
 * of wasm heap per thread (tools/bench README, lever 1). Smaller chunks (B = 512: 256 rows, 15.7 MiB)
 * use only what they need.
 */
export const defaultDriftCacheBytes = 80 * 2 ** 20;

/**
 * Default of {@link AdjointOptions.batchedScoreBytes}: 4 MiB, 2,048 rows a pass of the main job's
 * score (width 64, 2,048 bytes per row): 4 points at B = 512 on one thread, 8 points of a 256-row
 * shard on two, the playground's 10 (B = 256) in 8 + 2 on one thread. Two [2,048, 64] operands fill
 * the 1 MiB L2 of the machine measured; passes much larger outgrow the caches: all 30 points at
 * B = 512 in one pass cost more CPU than one linearisation per point, 4,096 rows a pass about the
 * same as 2,048 (docs/results/main-job-speed.md).
 */
export const defaultBatchedScoreBytes = 4 * 2 ** 20;

/**
 * Largest Δt_{j−1}/Δt_j at which F_j is replayed rather than recomputed. The replayed value adds at
 * most this many units of x's own rounding to δ^B_{j−1}, whose bracket already carries one.
 */
export const replayMaxStepRatio = 4;

/**
 * Steps whose parameter gradients the backward walk holds before summing them, one AddN kernel per
 * parameter (instead of one Add per parameter and step: ~870 kernels fewer per iteration of the main
 * job). AddN sums its inputs in order, so the sum is the running sum's to the bit; the memory is this
 * many copies of both networks' gradients (8 × 2 × 100k floats = 6.4 MB at width 128).
 */
export const gradientSumSteps = 8;

/**
 * A stochastic-adjoint gradient strategy.
 * @example
 * const strategy = adjointStrategy({ driftValues: 'recompute' });
 * const { loss, grads } = strategy(model, x0, fixedGrid(spec), forwardNoise(seed, iteration));
 */
export function adjointStrategy(options: AdjointOptions = {}): GradientStrategy {
  const driftValues = options.driftValues ?? 'replay';
  if (driftValues !== 'replay' && driftValues !== 'recompute') {
    throw new RangeError(`adjointStrategy: driftValues must be 'replay' or 'recompute', got '${String(driftValues)}'`);
  }
  const cacheBytes = options.driftCacheBytes ?? defaultDriftCacheBytes;
  if (!(cacheBytes >= 0)) throw new RangeError(`adjointStrategy: driftCacheBytes must be a number ≥ 0, got ${String(options.driftCacheBytes)}`);
  const tables = options.timeTables ?? true;
  if (typeof tables !== 'boolean') throw new RangeError(`adjointStrategy: timeTables must be true or false, got ${String(options.timeTables)}`);
  const scoreBytes = options.batchedScoreBytes ?? defaultBatchedScoreBytes;
  if (!(scoreBytes >= 0)) throw new RangeError(`adjointStrategy: batchedScoreBytes must be a number ≥ 0, got ${String(options.batchedScoreBytes)}`);
  return (model, x0, grid, noise) => {
    requireGradients('adjoint');
    return adjoint(model, x0, grid, noise, driftValues === 'replay', cacheBytes, tables, scoreBytes);
  };
}

/** The stochastic adjoint with the default options: see {@link adjointStrategy}. */
export const adjointGradients: GradientStrategy = adjointStrategy();

function adjoint(
  model: DiffusionModel,
  x0: tf.Tensor,
  grid: TimeGrid,
  noise: ReplayableNoise,
  replay: boolean,
  cacheBudget: number,
  useTables: boolean,
  scoreBudget: number,
): GradientResult {
  checkSdeGrid(model.sde, grid, 'adjoint: grid');
  if (x0.rank < 2 || (x0.shape[0] ?? 0) < 1) throw new RangeError(`adjoint: x0 must be [B, ...D] with B ≥ 1, got [${x0.shape.join(', ')}]`);
  // the backward walk regenerates δ^F: a source that does not replay would give wrong gradients silently
  checkReplays(noise, x0.shape, 'adjoint');
  const { drift, diffusion: g } = model.sde;
  const { score } = model;
  const steps = grid.length - 1;
  const batch = x0.shape[0] as number;
  const dt = stepSizes(grid);
  const time = (j: number): number => grid[j] as number;
  const step = (i: number): number => dt[i] as number;

  /** The rollout's drift linearisations F_i (i < N), kept for the backward walk while the budget lasts. */
  const cached: (TableLinearization | undefined)[] = [];
  const canCache = cacheBudget > 0 && hasLinearize(drift);
  /**
   * Each field's time table at the grid times, for a field that has one (see
   * {@link AdjointOptions.timeTables}); none when drift and score are one field object.
   */
  const tables = new Map<VectorField, TimeTable>();
  /** Linearisations kept outside the tidy scopes across points (F_N, a batched score pass): freed after an error. */
  const held = new Set<TableLinearization>();
  try {
    if (useTables && drift !== score) {
      for (const field of [drift, score]) {
        const table = timeTable(field, grid);
        if (table !== undefined) tables.set(field, table);
      }
    }
    return run();
  } finally {
    for (const lin of cached) lin?.dispose(); // after an error; a no-op for those already pulled back
    for (const lin of held) lin.dispose();
    for (const table of tables.values()) table.dispose(); // a no-op for those whose gradients were taken
  }

  /** A linearisation (through the field's time table when it has one) whose value is shape-checked (disposed, with its cache, when it is not). */
  /** dyᵀ∂v/∂(x, θ) at (x, t) without a kept forward pass: `vjp`, or through the field's time table. */
  function pullbackAt(field: VectorField, x: tf.Tensor, t: number, dy: tf.Tensor): { dx: tf.Tensor; dparams: readonly (tf.Tensor | undefined)[] } {
    const table = tables.get(field);
    if (table === undefined) return vjp(field, x, t, dy);
    const lin = table.linearize(x, t);
    lin.value.dispose();
    return lin.pullback(dy);
  }

  function checkedLinearize(field: VectorField, role: string, x: tf.Tensor, t: number, step: number, compact = false): TableLinearization {
    const options = compact ? { compact } : undefined;
    const table = tables.get(field);
    const lin = table === undefined ? linearize(field, x, t, options) : table.linearize(x, t, options);
    try {
      checkFieldOutput(field, role, x, lin.value, { t, step });
    } catch (e) {
      lin.value.dispose();
      lin.dispose();
      throw e;
    }
    return lin;
  }

  function run(): GradientResult {
    return tf.tidy(() => {
      // ---- forward pass (the shared rollout): no tape, drift only; keep x_0 … x_N ----
      let budget = canCache ? cacheBudget : 0;
      let compact = false; // set after step 0 when the full cache of every step would not fit
      const rollout = forwardRollout(model, x0, grid, noise, {
        keepStates: true,
        driftAt: (i, x) => {
          if (budget <= 0) return applyDrift(x, i);
          const lin = checkedLinearize(drift, 'drift', x, time(i), i, compact);
          if (i === 0 && lin.cacheBytes * steps > budget) compact = true;
          if (lin.cacheBytes <= budget) {
            budget -= lin.cacheBytes;
            cached[i] = lin;
            return lin.value;
          }
          budget = 0; // this one and all later steps: not cached
          lin.dispose();
          return lin.value;
        },
        release: (i, f) => {
          if (cached[i]?.value !== f) f.dispose(); // a cached F_i's value stays for the backward walk
        },
      });
      const states = rollout.states as tf.Tensor[];
      const forward = rollout.forwardEnergy;
      const xN = states[steps] as tf.Tensor;
      // terminal term −log p_T(x_N) and its gradient: the adjoint starts at −∇log p_T(x_N) / B
      const terminal = terminalNll(model, xN);
      const priorGrad = tapeSafe(() => tf.grad((x: tf.Tensor) => tf.sum(model.sde.prior.logDensity(x)))(xN));

      // ---- backward walk: points j = N … 1, one step's networks at a time ----
      /** F_j for 1 ≤ j ≤ N, as the forward pass produced it. */
      const driftAt = (j: number): tf.Tensor => {
        const xj = states[j] as tf.Tensor;
        const own = cached[j];
        if (own !== undefined) return own.value;
        if (j === steps || !replay || step(j - 1) > replayMaxStepRatio * step(j)) return applyDrift(xj, j);
        const xNext = states[j + 1] as tf.Tensor;
        const df = noise(j, xj.shape);
        return tf.mul(tf.sub(tf.sub(xNext, xj), tf.mul(df, g(time(j)) * Math.sqrt(step(j)))), 1 / step(j));
      };

      let backward: tf.Tensor = tf.zeros([batch]);
      let adj: tf.Tensor | null = null; // a_{j+1}
      let rho: tf.Tensor | null = null; // ρ_j
      /**
       * Each field's parameter gradients: the sum so far, and the steps' not yet added (oldest first);
       * `undefined` for the parameters its time table sums.
       */
      type Sum = { sum: Grads | null; pending: Grads[] };
      const sums: { drift: Sum; score: Sum } = { drift: { sum: null, pending: [] }, score: { sum: null, pending: [] } };
      /** Adds the pending steps to the sum in order (sum + g_a + g_b + …, one AddN per parameter), freeing them. */
      const flush = (acc: Sum): void => {
        const terms = [...(acc.sum === null ? [] : [acc.sum]), ...acc.pending];
        if (terms.length > 1) {
          const sum = (terms[0] as Grads).map((_, k) => {
            const parts = terms.map((g) => g[k]).filter((g): g is tf.Tensor => g !== undefined);
            return parts.length === 0 ? undefined : tf.addN(parts);
          });
          tf.dispose(terms.flat().filter((g): g is tf.Tensor => g !== undefined));
          acc.sum = sum;
        } else if (terms.length === 1) acc.sum = [...(terms[0] as Grads)];
        acc.pending = [];
      };
      const gather = (acc: Sum, grads: Grads): void => {
        acc.pending.push(grads);
        if (acc.pending.length >= gradientSumSteps) flush(acc);
      };

      // ---- batched score passes (see AdjointOptions.batchedScoreBytes) ----
      const scoreTable = tables.get(score);
      /** Points per batched score pass (0: one linearisation per point, in the walk). */
      const chunk = scoreTable === undefined || scoreBudget <= 0 ? 0 : Math.min(steps, Math.floor(scoreBudget / (batch * scoreTable.cacheBytesPerRow())));
      /** ρ_{j−1} = δ^B_{j−1} / (B g_j √Δt_{j−1}), the cotangent of r_{j−1}: one expression for the walk and the score passes. */
      const rhoAt = (j: number, delta: tf.Tensor): tf.Tensor => tf.mul(delta, 1 / (batch * g(time(j)) * Math.sqrt(step(j - 1))));
      /** σ_j = −g_j² Δt_{j−1} ρ_{j−1}, the score's cotangent at point j. */
      const sigmaAt = (j: number, rhoPrev: tf.Tensor): tf.Tensor => {
        const gj = g(time(j));
        return tf.mul(rhoPrev, -gj * gj * step(j - 1));
      };
      /** What a batched score pass gives point j: δ^B_{j−1}, ρ_{j−1} and J_S(x_j)ᵀσ_j. */
      const scored = new Map<number, { delta: tf.Tensor; rhoPrev: tf.Tensor; dx: tf.Tensor }>();
      /** F_N's drift linearisation, made before the score pass that covers point N (with the drift cache). */
      let lastN: TableLinearization | undefined;
      /**
       * The score at points lo … hi (lo = max(1, hi − chunk + 1)) as one linearisation on [C·B, ...D]
       * rows, and its one pull-back with the cotangents σ_j: everything the walk needs from the score
       * at those points, none of which depends on the adjoint. Per point the same ops as the walk's own
       * (δ^B, ρ, σ), so the same numbers; the parameter gradients go to the score's sums at once.
       */
      const scorePass = (table: TimeTable, hi: number): void => {
        const lo = Math.max(1, hi - chunk + 1);
        const points = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
        const xs = points.map((j) => states[j] as tf.Tensor);
        const pass = tf.tidy(() => {
          const x = tf.concat(xs, 0);
          const lin = table.linearizeBlocks(x, points.map(time));
          held.add(lin);
          checkFieldOutput(score, 'score', x, lin.value); // the shape of the whole pass; finiteness below, one read-back
          const values = tf.split(lin.value, points.length, 0);
          checkPoints(lin.value, points, (k, j) => checkFieldOutput(score, 'score', xs[k] as tf.Tensor, values[k] as tf.Tensor, { t: time(j), step: j }));
          const delta = points.map((j, k) =>
            stepBackwardNoise(model, grid, j - 1, states[j - 1] as tf.Tensor, xs[k] as tf.Tensor, j === steps && lastN !== undefined ? lastN.value : driftAt(j), values[k] as tf.Tensor),
          );
          const rhoPrev = points.map((j, k) => rhoAt(j, delta[k] as tf.Tensor));
          const sigma = tf.concat(
            points.map((j, k) => sigmaAt(j, rhoPrev[k] as tf.Tensor)),
            0,
          );
          const ps = lin.pullback(sigma);
          held.delete(lin);
          const dx = tf.split(ps.dx, points.length, 0);
          checkPoints(ps.dx, points, (k, j) => checkFinite(score, 'score', dx[k] as tf.Tensor, { t: time(j), step: j, part: 'pull-back' }));
          return { delta, rhoPrev, dx, ds: [...ps.dparams] };
        });
        points.forEach((j, k) => scored.set(j, { delta: pass.delta[k] as tf.Tensor, rhoPrev: pass.rhoPrev[k] as tf.Tensor, dx: pass.dx[k] as tf.Tensor }));
        gather(sums.score, pass.ds);
      };
      /**
       * Finiteness of a batched pass's output at once (one read-back); when it fails, `each` checks the
       * points from the top down, naming the first bad one as the per-point walk would have.
       */
      const checkPoints = (whole: tf.Tensor, points: readonly number[], each: (k: number, j: number) => void): void => {
        const top = points[points.length - 1] as number;
        try {
          checkFinite(score, 'score', whole, { t: time(top), step: top });
        } catch (e) {
          for (let k = points.length - 1; k >= 0; k--) each(k, points[k] as number);
          throw e;
        }
      };

      for (let j = steps; j >= 1; j--) {
        const xj = states[j] as tf.Tensor;
        const tj = time(j);
        const h = step(j - 1);
        if (scoreTable !== undefined && chunk > 0 && !scored.has(j)) {
          if (j === steps && canCache) {
            lastN = checkedLinearize(drift, 'drift', xj, tj, j);
            held.add(lastN);
          }
          scorePass(scoreTable, j);
        }
        const pre = scored.get(j);
        const out = tf.tidy(() => {
          let scoreAt: TableLinearization | undefined;
          let last: TableLinearization | undefined;
          let delta: tf.Tensor;
          if (pre !== undefined) {
            last = j === steps ? lastN : undefined;
            delta = pre.delta;
          } else {
            const lin = checkedLinearize(score, 'score', xj, tj, j); // s(x_j) now, its pull-back below: one forward pass
            scoreAt = lin;
            // F_N: value and pull-back from one forward pass (the rollout never evaluates the drift at x_N)
            try {
              last = j === steps && canCache ? checkedLinearize(drift, 'drift', xj, tj, j) : undefined;
              delta = stepBackwardNoise(model, grid, j - 1, states[j - 1] as tf.Tensor, xj, last === undefined ? driftAt(j) : last.value, lin.value);
            } catch (e) {
              lin.dispose(); // its cache is kept outside the tidy scope
              last?.dispose();
              throw e;
            }
          }
          const energy = tf.add(backward, halfSquaredNorm(delta));
          const rhoPrev = pre?.rhoPrev ?? rhoAt(j, delta); // ρ_{j−1}
          const phi = adj === null ? tf.mul(rhoPrev, h) : tf.add(tf.mul(adj, step(j)), tf.mul(rhoPrev, h));
          const own = last ?? cached[j];
          const pf = own === undefined ? pullbackAt(drift, xj, tj, phi) : own.pullback(phi);
          const ps = scoreAt?.pullback(sigmaAt(j, rhoPrev));
          checkFinite(drift, 'drift', pf.dx, { t: tj, step: j, part: 'pull-back' });
          if (ps !== undefined) checkFinite(score, 'score', ps.dx, { t: tj, step: j, part: 'pull-back' });
          const direct = adj === null ? tf.mul(priorGrad, -1 / batch) : tf.add(adj, rho as tf.Tensor);
          const a = tf.add(tf.sub(direct, rhoPrev), tf.add(pf.dx, ps?.dx ?? (pre as { dx: tf.Tensor }).dx));
          return { a, rhoPrev, energy, df: [...pf.dparams], ds: ps === undefined ? undefined : [...ps.dparams] };
        });
        cached[j]?.value.dispose(); // F_j's value, kept from the rollout (its cache went with the pull-back)
        if (pre !== undefined) {
          tf.dispose([pre.delta, pre.dx]); // its ρ_{j−1} goes on as `rho`
          scored.delete(j);
        }
        if (j === steps && lastN !== undefined) {
          lastN.value.dispose();
          held.delete(lastN);
        }
        tf.dispose([backward, ...(adj === null ? [] : [adj]), ...(rho === null ? [] : [rho])]);
        if (j < steps) states[j + 1]?.dispose(); // x_{j+1} is no longer needed
        backward = out.energy;
        adj = out.a;
        rho = out.rhoPrev;
        gather(sums.drift, out.df);
        if (out.ds !== undefined) gather(sums.score, out.ds);
      }
      // point 0: only the forward step leaves it; its adjoint a_0 (the data gradient) is not needed
      const a1 = adj as tf.Tensor;
      const own0 = cached[0];
      const first = tf.tidy(() => {
        const cotangent = tf.mul(a1, step(0));
        if (own0 === undefined) return [...pullbackAt(drift, x0, time(0), cotangent).dparams];
        own0.value.dispose();
        return [...own0.pullback(cotangent).dparams];
      });
      tf.dispose([a1, rho as tf.Tensor]);
      gather(sums.drift, first);
      flush(sums.drift);
      flush(sums.score);
      const driftGrads = withTableGradients(drift, sums.drift.sum ?? []);
      const scoreGrads = withTableGradients(score, sums.score.sum ?? []);

      const loss = assembleLoss(model, grid, x0.size / batch, terminal, backward as tf.Tensor1D, forward);
      return { loss: { ...loss }, grads: namedGrads([drift, driftGrads], [score, scoreGrads]) };
    });
  }

  /** A field's summed gradients with those its time table collected put in their places. */
  function withTableGradients(field: VectorField, grads: Grads): tf.Tensor[] {
    const out = [...grads];
    const table = tables.get(field);
    if (table !== undefined) {
      const collected = table.gradients();
      table.collected.forEach((k, c) => {
        out[k] = collected[c];
      });
    }
    return out.map((g, k) => {
      if (g === undefined) throw new Error(`adjoint: no gradient for ${field.name}'s parameter ${field.parameters[k]?.name ?? k}`);
      return g;
    });
  }

  function applyDrift(x: tf.Tensor, j: number): tf.Tensor {
    const f = drift.apply(x, time(j));
    try {
      checkFieldOutput(drift, 'drift', x, f, { t: time(j), step: j });
    } catch (e) {
      f.dispose();
      throw e;
    }
    return f;
  }
}

/**
 * Gradients keyed by tfjs variable name, in `field.parameters` order; a variable shared by both
 * fields (a common trunk) gets the sum of its two gradients.
 */
/** A field's parameter gradients in `parameters` order, `undefined` where a time table sums them. */
type Grads = readonly (tf.Tensor | undefined)[];

function namedGrads(...fields: readonly [VectorField, readonly tf.Tensor[]][]): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [field, grads] of fields) {
    field.parameters.forEach((p, k) => {
      const g = grads[k] as tf.Tensor;
      const seen = out[p.variable.name];
      out[p.variable.name] = seen === undefined ? g : tf.add(seen, g);
    });
  }
  return out;
}
