/**
 * The ceiling of a row's own work: its matrix products replayed alone. A row's pieces (the chunks
 * of a training shard, a sampling shard) are run once with the backend's matMul kernels wrapped, so
 * every product is recorded in order — shapes, transpose flags, bias, and which right operand it
 * shares with an earlier product. The replay then runs exactly those kernels on random operands of
 * the same shapes, back to back, with nothing between them: no gates, no elementwise kernels, no
 * copies, no pool. Operand reuse is kept, because it sets the speed on wasm: XNNPACK packs a
 * product's right operand on its first use and keeps the packed copy for the life of that tensor,
 * so a weight (reused by many products) is packed once per replay and a fresh right operand (∂W's
 * dp) on every call, as in the real iteration. Each replay makes new right operands (outside the
 * timed part), so nothing stays packed from one replay to the next — as an optimizer step gives
 * every weight a new tensor.
 *
 * On T threads the T shards' replays run at once, one process each (as `dataParallel`'s workers),
 * started together; the row's ceiling is the slowest thread's median replay. "ours / replay" then
 * says how much of an iteration is the matrix products at the rate this backend runs them at these
 * shapes, and what is left above them (everything else) is the rest.
 *
 *   node dist/replay.js sample 10000 2        # a row by hand: what, rows, shards [steps reps]
 */
import * as tf from '@tensorflow/tfjs-core';
import { DENSE_PULLBACK_KERNEL, gatedDensePullback } from '@diffflow/networks';
import { fileURLToPath } from 'node:url';
import { adjointChunks, matMulFlopsOfKernels, splitRows } from './flops.js';
import { runTogether, waitForGo } from './peak.js';
import { median } from './stats.js';
import type { WorkloadJob } from './workload.js';

/** One matMul kernel call as recorded: what replaying it needs. */
export interface RecordedMatMul {
  /**
   * The kernel: tfjs's products, or the networks' fused dense pull-back on wasm (a = its input
   * [B, m], b = dOut [B, n], out = ∂W [m, n]; replayed through `gatedDensePullback`, b serving as the
   * slope too: the values do not set the speed).
   */
  readonly kernel: 'BatchMatMul' | '_FusedMatMul' | typeof DENSE_PULLBACK_KERNEL;
  readonly a: readonly number[];
  readonly b: readonly number[];
  /** Shape of the fused bias, null for none. */
  readonly bias: readonly number[] | null;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** The fused activation ('linear' for none). */
  readonly activation: string;
  /** Shape of the product. */
  readonly out: readonly number[];
  /** Which right operand: products with the same index shared one tensor (numbered by first use). */
  readonly right: number;
  /**
   * The right operand outlived the recorded run (a weight, or a cached Wᵀ of one), so a later piece
   * run with the same model shares it; otherwise it was made during the run (e.g. ∂W's dp).
   */
  readonly persistent: boolean;
}

const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

/** Runs `run` with the active backend's matMul kernels wrapped; returns every product it made, in order. */
export function recordMatMuls(run: () => void): RecordedMatMul[] {
  const backend = tf.getBackend();
  const calls: Omit<RecordedMatMul, 'persistent'>[] = [];
  const rights = new Map<object, number>();
  const originals = KERNELS.map((name) => {
    const config = tf.getKernel(name, backend);
    if (config === undefined) throw new Error(`recordMatMuls: backend '${backend}' has no ${name} kernel`);
    return config;
  });
  // the networks' fused dense pull-back (wasm only): recorded where the backend has it
  const pullback = tf.getKernel(DENSE_PULLBACK_KERNEL, backend);
  if (pullback !== undefined) originals.push(pullback);
  /** The index of a right operand: the same tensor's data, the same index (numbered by first use). */
  const rightOf = (dataId: object): number => {
    const known = rights.get(dataId);
    if (known !== undefined) return known;
    rights.set(dataId, rights.size);
    return rights.size - 1;
  };
  const wrap = (config: tf.KernelConfig): tf.KernelConfig => ({
    ...config,
    kernelFunc: (args) => {
      if (config.kernelName === DENSE_PULLBACK_KERNEL) {
        const { input, dOut } = args.inputs as { input: tf.TensorInfo; dOut: tf.TensorInfo };
        const outs = config.kernelFunc(args) as tf.TensorInfo[];
        const dWeight = outs[1] as tf.TensorInfo;
        calls.push({ kernel: DENSE_PULLBACK_KERNEL, a: [...input.shape], b: [...dOut.shape], bias: null, transposeA: true, transposeB: false, activation: 'linear', out: [...dWeight.shape], right: rightOf(dOut.dataId) });
        return outs;
      }
      const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
      const right = rightOf(b.dataId);
      const out = config.kernelFunc(args) as tf.TensorInfo;
      calls.push({
        kernel: config.kernelName as RecordedMatMul['kernel'],
        a: [...a.shape],
        b: [...b.shape],
        bias: bias === undefined ? null : [...bias.shape],
        transposeA: attrs.transposeA,
        transposeB: attrs.transposeB,
        activation: attrs.activation ?? 'linear',
        out: [...out.shape],
        right,
      });
      return out;
    },
  });
  withKernels(backend, originals.map(wrap), originals, run);
  // the engine forgets a tensor's data when its last reference is disposed
  const alive = new Set([...rights].filter(([dataId]) => tf.engine().state.tensorInfo.has(dataId)).map(([, k]) => k));
  return calls.map((c) => ({ ...c, persistent: alive.has(c.right) }));
}

/** matMul flops of recorded products, 2·m·k·n each: flops.ts's count of profiled kernels. */
export function recordedFlops(calls: readonly RecordedMatMul[]): number {
  return matMulFlopsOfKernels(calls.map((c) => ({ name: c.kernel, inputShapes: [c.a, c.b], outputShapes: [c.out] }))).flops;
}

/** A replay of recorded products: `run()` times one replay (ms) with fresh right operands. */
export interface Replay {
  run(): number;
  dispose(): void;
}

/**
 * The recorded products, ready to replay on random operands. Left operands and biases are one
 * tensor per shape (their layout is not packed); right operands are made anew for every replay,
 * one tensor per recorded index.
 */
export function replayOf(calls: readonly RecordedMatMul[]): Replay {
  const shared = new Map<string, tf.Tensor>();
  const sharedOf = (shape: readonly number[]): tf.Tensor => {
    const key = shape.join('x');
    let t = shared.get(key);
    if (t === undefined) shared.set(key, (t = tf.randomUniform([...shape], -1, 1)));
    return t;
  };
  const rightShapes = new Map<number, readonly number[]>();
  for (const c of calls) if (!rightShapes.has(c.right)) rightShapes.set(c.right, c.b);
  const run = (): number => {
    const rights = new Map<number, tf.Tensor>([...rightShapes].map(([k, shape]) => [k, tf.randomUniform([...shape], -1, 1)]));
    // a right operand used under two shapes (a weight [k, n] in one product, its rank-3 view [1, k, n]
    // in a fused one) keeps one data buffer: a reshape shares it, so XNNPACK still packs it once
    const views: tf.Tensor[] = [];
    const rightOf = (c: RecordedMatMul): tf.Tensor => {
      const b = rights.get(c.right) as tf.Tensor;
      if (b.shape.length === c.b.length && b.shape.every((d, i) => d === c.b[i])) return b;
      const view = tf.reshape(b, [...c.b]);
      views.push(view);
      return view;
    };
    const operands = calls.map((c) => ({ c, a: sharedOf(c.a), b: rightOf(c), bias: c.bias === null ? undefined : sharedOf(c.bias) }));
    const t0 = performance.now();
    for (const { c, a, b, bias } of operands) {
      if (c.kernel === DENSE_PULLBACK_KERNEL) {
        const g = gatedDensePullback(a as tf.Tensor2D, b as tf.Tensor2D, b as tf.Tensor2D);
        tf.dispose([g.dPre, g.dWeight, g.dBias]);
        continue;
      }
      const out =
        c.kernel === 'BatchMatMul'
          ? tf.matMul(a, b, c.transposeA, c.transposeB)
          : tf.fused.matMul({ a, b, transposeA: c.transposeA, transposeB: c.transposeB, ...(bias === undefined ? {} : { bias }), activation: c.activation as tf.fused.Activation });
      out.dispose();
    }
    const ms = performance.now() - t0;
    tf.dispose([...views, ...rights.values()]);
    return ms;
  };
  return { run, dispose: () => tf.dispose([...shared.values()]) };
}

/** The rows of each shard of a row, as chunks: a training shard's chunks, or one sampling shard. */
export function shardPieces(job: WorkloadJob, shards: number, chunkRows: number): { rows: number; start: number }[][] {
  if (job.what === 'sample') {
    let start = 0;
    return splitRows(job.batch, shards).map((rows) => {
      const piece = { rows, start };
      start += rows;
      return [piece];
    });
  }
  return splitRows(job.batch, shards).map((rows) => adjointChunks({ batch: rows, steps: job.steps, shards: 1, chunkRows, driftCacheBytes: 0 }).map((r) => ({ rows: r, start: 0 })));
}

/** What a row's replay measured. */
export interface ReplayResult {
  /** The row's ceiling: the slowest thread's median replay, ms. */
  readonly ms: number;
  /** Median replay ms of each thread. */
  readonly perThread: readonly number[];
  /** Products replayed per iteration (all threads). */
  readonly products: number;
  /** Their flops (all threads). */
  readonly flops: number;
}

/** Replays a row's products on `shards` threads at once, `reps` times each (after one warm-up replay). */
export async function measureReplay(job: WorkloadJob, shards: number, chunkRows: number, reps: number): Promise<ReplayResult> {
  const args = Array.from({ length: shards }, (_, k) => ['--replay-child', JSON.stringify({ job, shards, chunkRows, shard: k, reps })]);
  const results = await runTogether<{ times: number[]; products: number; flops: number }>(here, args);
  const perThread = results.map((r) => median(r.times));
  return {
    ms: Math.max(...perThread),
    perThread,
    products: results.reduce((n, r) => n + r.products, 0),
    flops: results.reduce((n, r) => n + r.flops, 0),
  };
}

const here = fileURLToPath(import.meta.url);

/** One thread of {@link measureReplay}: record its shard's pieces, then replay them when told. */
async function replayChild(request: { job: WorkloadJob; shards: number; chunkRows: number; shard: number; reps: number }): Promise<void> {
  process.setSourceMapsEnabled(false);
  const { job, shards, chunkRows, shard, reps } = request;
  const { adjointChunk, samplingShard, startBackend } = await import('./workload.js');
  await startBackend();
  const calls: RecordedMatMul[] = [];
  const recorded = new Map<number, RecordedMatMul[]>();
  for (const { rows, start } of shardPieces(job, shards, chunkRows)[shard] ?? []) {
    let piece = recorded.get(rows);
    if (piece === undefined) {
      const p = job.what === 'sample' ? samplingShard(job.batch, start, start + rows, job.steps, undefined, job.hidden) : adjointChunk(rows, job.steps, 0, undefined, job.hidden);
      p.run(); // warm-up, as the timed iterations have one
      piece = recordMatMuls(() => p.run());
      p.dispose();
      recorded.set(rows, piece);
    }
    // a later chunk shares the model's tensors with the first, and nothing it made itself
    const offset = calls.reduce((n, c) => Math.max(n, c.right + 1), 0);
    calls.push(...(calls.length === 0 ? piece : piece.map((c) => (c.persistent ? c : { ...c, right: c.right + offset }))));
  }
  const replay = replayOf(calls);
  replay.run(); // warm-up
  await waitForGo();
  const times = Array.from({ length: reps }, () => replay.run());
  replay.dispose();
  console.log(JSON.stringify({ times, products: calls.length, flops: recordedFlops(calls) }));
  process.exit(0);
}

if (process.argv[1] === here) {
  const args = process.argv.slice(2);
  if (args[0] === '--replay-child') await replayChild(JSON.parse(args[1] as string));
  else {
    const [what = 'sample', ...counts] = args;
    const [rows = 10_000, shards = 2, steps = 30, reps = 3] = counts.map(Number);
    const bad = (message: string): never => {
      console.error(`replay: ${message} (usage: replay.js sample|adjoint [rows shards steps reps], integers ≥ 1)`);
      process.exit(2);
    };
    if (what !== 'sample' && what !== 'adjoint') bad(`what must be sample or adjoint, got '${what}'`);
    if (counts.length > 4 || ![rows, shards, steps, reps].every((v) => Number.isInteger(v) && v >= 1)) bad(`bad counts '${counts.join(' ')}'`);
    const job: WorkloadJob = { what: what as 'sample' | 'adjoint', batch: rows, steps, parallel: shards > 1, workers: null, chunkRows: null };
    const { defaultChunkRows } = await import('./workload.js');
    console.log(JSON.stringify(await measureReplay(job, shards, defaultChunkRows, reps)));
  }
}

/**
 * Runs `run` with `wrapped` registered in place of `originals` on `backend` (same kernel names), and
 * puts the originals back afterwards, also when `run` throws. The replay's recorder and the subnormal
 * probe wrap kernels this way.
 */
export function withKernels(backend: string, wrapped: readonly tf.KernelConfig[], originals: readonly tf.KernelConfig[], run: () => void): void {
  const swap = (configs: readonly tf.KernelConfig[]): void =>
    configs.forEach((c) => {
      tf.unregisterKernel(c.kernelName, backend);
      tf.registerKernel(c);
    });
  swap(wrapped);
  try {
    run();
  } finally {
    swap(originals);
  }
}
