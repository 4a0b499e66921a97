/**
 * Floating-point work of the benchmark's rows, derived from the network spec and the code path.
 *
 * What is counted: every matrix product of the network calls an iteration makes — the forward
 * passes and the hand-written pull-backs of the Fourier-time MLPs — at 2·m·k·n flops for an
 * [m, k]·[k, n] product, including the thin ones (input and output layers, bias sums done as
 * 1ᵀ·M products, the [1, ·] time embedding). Not counted: bias adds, activations and every other
 * elementwise kernel, transposes and copies (O(B·h) each against the O(B·h²) of a hidden layer:
 * ≈ 3 % of the matMul flops of a forward pass at h = 128), and the loss arithmetic outside the
 * networks. `matMulFlopsOfKernels` counts the same from a `tf.profile` of a real run;
 * `npm run train-step -- --check yes` and flops.test.ts compare the two.
 */

import { defaultBatchedScoreBytes } from '@diffflow/adjoint';
import { DENSE_PULLBACK_KERNEL } from '@diffflow/networks';

/** The parts of a Fourier-time MLP's shape that set its flops (`fourierMlp` options). */
export interface MlpShape {
  /** Data dimension D. */
  readonly dim: number;
  /** Hidden width h. */
  readonly hidden: number;
  /** Hidden h→h layers L. */
  readonly layers: number;
}

/** matMul flops of one network call on `rows` rows with one t shared by the batch. */
export interface CallFlops {
  /** The forward pass (`apply`, or the forward half of `vjp` / `linearize`). */
  readonly forward: number;
  /** The pull-back through a kept forward pass (the backward half of `vjp`, `linearize(…).pullback`). */
  readonly pullback: number;
}

/**
 * Flops of a Fourier-time MLP call (packages/networks/src/fourier_mlp.ts):
 *   forward  time embedding [1,2h]·[2h,h] and [1,h]·[h,h]; input [B,D]·[D,h]; L × [B,h]·[h,h];
 *            output [B,h]·[h,D]
 *   pull-back  per hidden layer ∂W = hᵀ·dp ([h,B]·[B,h]), ∂b = 1ᵀ·dp ([1,B]·[B,h]), ∂h = dp·Wᵀ;
 *            output layer ∂W, ∂b, ∂h; input layer ∂W, ∂b, ∂x; time embedding ∂W₂ ([h,1]·[1,h]),
 *            du ([1,h]·[h,h]), ∂W₁ ([2h,1]·[1,h]), ∂feats ([1,h]·[h,2h]), ∂φ ([1,2]·[2,h]).
 */
export function mlpCallFlops(shape: MlpShape, rows: number): CallFlops {
  const { dim: d, hidden: h, layers: l } = shape;
  const time = 2 * (2 * h * h) + 2 * (h * h);
  const forward = time + rows * (2 * d * h + l * 2 * h * h + 2 * h * d);
  const hiddenBack = l * (2 * h * h + 2 * h + 2 * h * h); // ∂W, ∂b, ∂h of each hidden layer, per row
  const outputBack = 2 * h * d + 2 * d + 2 * d * h; // ∂W_out, ∂b_out, ∂h_L
  const inputBack = 2 * d * h + 2 * h + 2 * h * d; // ∂W_in, ∂b_in, ∂x
  const timeBack = 2 * h * h + 2 * h * h + 2 * (2 * h) * h + 2 * h * (2 * h) + 2 * 2 * h;
  return { forward, pullback: timeBack + rows * (hiddenBack + outputBack + inputBack) };
}

/**
 * Flops of a Fourier-time MLP's time table at `times` times (`timeTable`, what the adjoint builds per
 * network and iteration) and of a call through it, whose time embedding the table does:
 *   table     forward on [M, ·]: [M,2h]·[2h,h] and [M,h]·[h,h]; gradients: ∂W₂ = Uᵀ·DE ([h,M]·[M,h]),
 *             DE·W₂ᵀ ([M,h]·[h,h]), ∂b₁ ([1,M]·[M,h]), ∂W₁ ([2h,M]·[M,h]), ∂feats ([M,h]·[h,2h]),
 *             ∂φ ([1,M]·[M,2h] and [1,2]·[2,h])
 *   call      {@link mlpCallFlops} less its [1, ·] time embedding, forward and pull-back.
 */
export function timeTableFlops(shape: MlpShape, times: number): { readonly table: number; readonly call: (rows: number) => CallFlops } {
  const h = shape.hidden;
  const forward = times * (2 * (2 * h) * h + 2 * h * h);
  const gradients = times * (2 * h * h + 2 * h * h + 2 * h + 2 * (2 * h) * h + 2 * h * (2 * h) + 2 * (2 * h)) + 2 * 2 * h;
  const plain = mlpCallFlops(shape, 0); // the rows-independent part: the time embedding
  return {
    table: forward + gradients,
    call: (rows) => {
      const f = mlpCallFlops(shape, rows);
      return { forward: f.forward - plain.forward, pullback: f.pullback - plain.pullback };
    },
  };
}

/** Row shards [start, end) of `rows` split into `parts` nearly equal parts (as `shardRows` of @diffflow/parallel). */
export function splitRows(rows: number, parts: number): number[] {
  const sizes: number[] = [];
  for (let k = 0; k < parts; k++) {
    const size = Math.floor(((k + 1) * rows) / parts) - Math.floor((k * rows) / parts);
    if (size > 0) sizes.push(size);
  }
  return sizes;
}

/** The code path of a training iteration with the stochastic adjoint, split over shards and chunks. */
export interface AdjointPath {
  /** Batch B. */
  readonly batch: number;
  /** Steps N. */
  readonly steps: number;
  /** Shards the batch is split into (1: one thread). */
  readonly shards: number;
  /** Most rows a shard passes to the strategy at once (Infinity: no chunks). */
  readonly chunkRows: number;
  /** The adjoint's drift-cache budget in bytes (`adjointStrategy({ driftCacheBytes })`). */
  readonly driftCacheBytes: number;
  /** The adjoint's batched-score budget in bytes (`adjointStrategy({ batchedScoreBytes })`; default the adjoint's default). */
  readonly batchedScoreBytes?: number;
}

/** Network calls of one adjoint pass over `rows` rows (both networks together). */
export interface AdjointCalls {
  /** Drift steps whose forward pass the rollout keeps (0 … N). */
  readonly cachedSteps: number;
  readonly forwards: number;
  /** Of the forwards, those that are a plain `apply` (their own time embedding, not the table's). */
  readonly applies: number;
  readonly pullbacks: number;
}

/**
 * Network calls of `adjointGradients` on one chunk (packages/adjoint/src/adjoint.ts), drift-cache
 * on (the Fourier MLP has `linearize`), replayed drift values (uniform-ish grid):
 *   rollout       N drift forwards, the first c kept (c = steps the budget holds: each keeps the
 *                 L + 1 layer inputs and gate derivatives [rows, h] when all N such steps fit; else
 *                 step 0 so and the rest compact, the L + 1 pre-activations only; the time
 *                 embedding is the time table's)
 *   point N       score linearize + drift linearize: 2 forwards, 2 pull-backs
 *   points N−1…1  score linearize (1 forward, 1 pull-back); drift: a cached step 1 pull-back, else
 *                 `vjp` (1 forward, 1 pull-back)
 *   point 0       drift: cached 1 pull-back, else `vjp`
 * so forwards = 3N + 1 − c and pull-backs = 2N + 1. With a budget of 0 (cache off) point N is
 * an `apply` then a `vjp` of the drift: 3N + 2 forwards. Every forward goes through the network's
 * time table except the plain `apply`s: the rollout's steps after the one found too big for the
 * budget (N − min(c + 1, N)), or with the cache off all N and point N's.
 */
export function adjointCalls(shape: MlpShape, rows: number, steps: number, driftCacheBytes: number): AdjointCalls {
  const compact = 4 * (shape.layers + 1) * rows * shape.hidden;
  const full = 4 * 2 * (shape.layers + 1) * rows * shape.hidden;
  const cachedSteps =
    full * steps <= driftCacheBytes ? steps : full > driftCacheBytes ? 0 : Math.min(steps, 1 + Math.floor((driftCacheBytes - full) / compact));
  // with no budget at all the cache is off, and F_N is an `apply` and then a `vjp`: one forward more
  const lastPoint = driftCacheBytes > 0 ? 1 : 2;
  const applies = driftCacheBytes > 0 ? steps - Math.min(cachedSteps + 1, steps) : steps + 1;
  return { cachedSteps, forwards: 3 * steps + lastPoint - cachedSteps, applies, pullbacks: 2 * steps + 1 };
}

/**
 * The points of each batched score pass of the adjoint on one chunk (`batchedScoreBytes`): C =
 * min(N, ⌊budget / (rows · 2(L + 1)h · 4)⌋) points a pass from point N down, the last pass the rest;
 * [] when not even one point fits (one score linearisation per point in the walk).
 */
export function scorePasses(shape: MlpShape, rows: number, steps: number, batchedScoreBytes: number): number[] {
  const chunk = Math.min(steps, Math.floor(batchedScoreBytes / (rows * 2 * (shape.layers + 1) * shape.hidden * 4)));
  if (chunk < 1) return [];
  const passes: number[] = [];
  for (let hi = steps; hi >= 1; hi -= chunk) passes.push(Math.min(chunk, hi));
  return passes;
}

/**
 * matMul flops a batched score pass of K > 1 points adds to its K per-point calls (the same products
 * on K·rows rows otherwise): ∂b_in = 1ᵀ·DE ([1,K]·[K,h]), and the table placing the pass's [K, h]
 * embedding cotangents at its M = N + 1 times ([M,K]·[K,h]). A one-point pass is a per-point call.
 */
export function scorePassExtraFlops(shape: MlpShape, points: number, steps: number): number {
  return points > 1 ? 2 * points * shape.hidden * (1 + steps + 1) : 0;
}

/** The chunks (row counts) an iteration's rows run in: shards, then chunks of at most chunkRows. */
export function adjointChunks(path: AdjointPath): number[] {
  return splitRows(path.batch, path.shards).flatMap((rows) => splitRows(rows, Math.max(1, Math.ceil(rows / path.chunkRows))));
}

/**
 * matMul flops of one training iteration with the stochastic adjoint (drift and score share `shape`):
 * per chunk the network calls of {@link adjointCalls} through each network's time table at the
 * N + 1 grid times, the two tables, and what the batched score passes add ({@link scorePassExtraFlops}).
 */
export function adjointIterationFlops(shape: MlpShape, path: AdjointPath): number {
  const tables = timeTableFlops(shape, path.steps + 1);
  return adjointChunks(path).reduce((sum, rows) => {
    const calls = adjointCalls(shape, rows, path.steps, path.driftCacheBytes);
    const f = tables.call(rows);
    const plain = mlpCallFlops(shape, rows).forward;
    const passes = scorePasses(shape, rows, path.steps, path.batchedScoreBytes ?? defaultBatchedScoreBytes);
    const extra = passes.reduce((n, points) => n + scorePassExtraFlops(shape, points, path.steps), 0);
    return sum + 2 * tables.table + (calls.forwards - calls.applies) * f.forward + calls.applies * plain + calls.pullbacks * f.pullback + extra;
  }, 0);
}

/** How the sampler runs a shard's rows (packages/likelihood `sampleMarginal` with `rows`). */
export interface SamplerPath {
  /** Rows of the shape probe it runs first (one `apply` of drift and of score on that many rows; 0: none). */
  readonly probeRows: number;
  /** Most rows it integrates at once (its `batchSize`; Infinity: the whole shard). */
  readonly batchRows: number;
}

/**
 * matMul flops of drawing `points` samples with the backward SDE: per shard, the probe, then per
 * block of at most batchRows rows drift and score forward at each of the N steps.
 */
export function samplingFlops(shape: MlpShape, points: number, steps: number, shards: number, path: SamplerPath): number {
  const call = (rows: number): number => mlpCallFlops(shape, rows).forward;
  return splitRows(points, shards).reduce(
    (sum, rows) => sum + (path.probeRows > 0 ? 2 * call(path.probeRows) : 0) + samplerBlocks(rows, path).reduce((n, b) => n + 2 * steps * call(b), 0),
    0,
  );
}

/** The blocks (row counts) the sampler integrates a shard of `rows` rows in. */
export function samplerBlocks(rows: number, path: SamplerPath): number[] {
  const blocks: number[] = [];
  for (let start = 0; start < rows; start += path.batchRows) blocks.push(Math.min(rows - start, path.batchRows));
  return blocks;
}

/** What `tf.profile` reports of one kernel (the fields read here). */
export interface ProfiledKernel {
  readonly name: string;
  readonly inputShapes: readonly (readonly number[] | null | undefined)[];
  readonly outputShapes: readonly (readonly number[] | null | undefined)[];
}

/**
 * Kernel names that are matrix products: tfjs-core's BatchMatMul and the fused variant, and the
 * networks' gated dense pull-back on wasm (`gatedDensePullback`: ∂W = inputᵀ·dp and ∂b = 1ᵀ·dp, input
 * [B, m] first among its inputs and [·, n] its first output, counted below as those two products).
 */
export const matMulKernels: ReadonlySet<string> = new Set(['BatchMatMul', '_FusedMatMul', DENSE_PULLBACK_KERNEL]);

const sizeOf = (shape: readonly number[]): number => shape.reduce((n, s) => n * s, 1);

/**
 * matMul flops of profiled kernels, 2·m·k·n each, from shapes alone: for a (batched) product with
 * left operand a (either layout) and output [..., m, n], m·k per batch is a's size, so the flops
 * are 2·size(a)·n. Op-level scope entries (`…__op`) are not kernels and are skipped.
 */
export function matMulFlopsOfKernels(kernels: readonly ProfiledKernel[]): { readonly flops: number; readonly count: number } {
  let flops = 0;
  let count = 0;
  for (const k of kernels) {
    if (!matMulKernels.has(k.name)) continue;
    const a = k.inputShapes[0];
    const out = k.outputShapes[0];
    if (a == null || out == null) throw new RangeError(`matMulFlopsOfKernels: ${k.name} without input or output shape`);
    const n = out[out.length - 1] as number;
    // the fused dense pull-back also sums ∂b = 1ᵀ·dp over its rows (the product it replaces: 2·rows·n)
    flops += 2 * sizeOf(a) * n + (k.name === DENSE_PULLBACK_KERNEL ? 2 * (a[0] as number) * n : 0);
    count++;
  }
  return { flops, count };
}
