/**
 * Where the time of the large rows goes: B = 5000 training (parallel-adjoint) and 10k-point
 * sampling, measured on the pieces one thread runs (a chunk of a training shard, a sampling shard).
 *
 *   cd tools/bench && npm run profile                  # B = 5000, 10,000 points, N = 30, 2 shards (≈ 3 min)
 *   npm run profile -- --batch 2000 --points 4000 --repeats 1
 *
 * Printed, in this order:
 * 1. Per piece: wall time (median of `repeats` unprofiled runs), then one `tf.profile` run: kernel
 *    count and kernel time by category (matMuls split by role, transposes, gates and other
 *    elementwise kernels, batch-independent kernels such as the time embedding), and the share of
 *    the wall time spent outside kernels (JavaScript: op dispatch, noise generation, tensor
 *    bookkeeping). The matMul categories give their GFLOP/s.
 * 2. Kernel rates at the pieces' shapes, interleaved with the 1024³ reference product (the
 *    ceiling train-step reports against) and the cost of dispatching one tiny kernel.
 * 3. Levers measured without library changes (interleaved A/B, medians): chunk size of a training
 *    shard, the drift-cache budget, and data-parallel overhead (an iteration on all shards against
 *    the same work of one shard alone on this thread).
 * Options: --batch 5000, --points 10000, --steps 30, --shards 2, --chunk-rows 2048, --repeats 3.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DENSE_PULLBACK_KERNEL, GATE_KERNEL } from '@diffflow/networks';
import { loadavg } from 'node:os';
import { median } from './stats.js';
import { adjointChunks, matMulFlopsOfKernels, matMulKernels, samplerBlocks, splitRows, type ProfiledKernel } from './flops.js';
import { adjointChunk, forwardNoisePass, defaultChunkRows, driftCacheBytes, referenceShape, samplerPath, samplingShard, startBackend, startWorkload, type Piece } from './workload.js';

const h = referenceShape.hidden;
/** A shape without leading 1s (the fused matMul reports [1, B, h]). */
const squeeze = (s: readonly number[] | null | undefined): number[] => {
  const out = [...(s ?? [])];
  while (out.length > 2 && out[0] === 1) out.shift();
  return out;
};

/** The role of a kernel in a piece whose tensors have one of the row counts `rows` (chunks, blocks). */
export function kernelCategory(k: ProfiledKernel, rowCounts: ReadonlySet<number>): string {
  const shapes = [...k.inputShapes, ...k.outputShapes].filter((s): s is readonly number[] => s != null).map(squeeze);
  const isRows = (d: number | undefined): boolean => d !== undefined && rowCounts.has(d);
  const batched = shapes.some((s) => s.some(isRows));
  if (k.name === 'Reshape') return 'reshapes (metadata only)';
  if (!batched) return 'batch-independent (time embedding, parameter-sized sums)';
  if (k.name === DENSE_PULLBACK_KERNEL) return 'matMul: ∂W fused with dp = dh ⊙ σ′ and ∂b (networks\' wasm kernel)';
  if (k.name === GATE_KERNEL) return 'gates [B,h]: fused value and derivative (networks\' wasm kernel)';
  if (matMulKernels.has(k.name)) {
    const a = squeeze(k.inputShapes[0]);
    const out = squeeze(k.outputShapes[0]);
    if (a[1] === 1 || (isRows(a[0]) && out[0] === 1)) return 'matMul: bias sums 1ᵀ·M (flagged loop)';
    if (isRows(a[0]) && a[1] === h && out[1] === h) return 'matMul: layers [B,h]·[h,h] (forward, ∂h)';
    if (a[0] === h && isRows(a[1]) && out[0] === h && out[1] === h) return 'matMul: ∂W [h,B]·[B,h]';
    return 'matMul: thin (input/output layer, ∂W_in, ∂W_out, ∂x)';
  }
  if (k.name === 'Transpose' || k.name === 'DiffflowTranspose2d') return 'transposes (for ∂W)'; // the latter: networks' transpose2d on wasm
  if (shapes.some((s) => s.length === 2 && isRows(s[0]) && s[1] === h)) {
    if (k.name === 'Multiply' && k.inputShapes.some((x) => x != null && x.length === 0)) return 'Multiply [B,h] by a scalar (gate slope 1.702, step sizes)';
    return k.name === 'Sigmoid' || k.name === 'Multiply' ? `gates [B,h]: ${k.name}` : `other elementwise [B,h]: ${k.name}`;
  }
  return 'state-sized [B,D] (SDE steps, noise, loss)';
}

interface Category {
  count: number;
  ms: number;
  flops: number;
}

const time = (f: () => void): number => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

/** Interleaves the variants `repeats` times after one warm-up each; medians of wall ms. */
function interleaved(variants: readonly (() => void)[], repeats: number): number[] {
  variants.forEach((v) => v());
  const times = variants.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) variants.forEach((v, i) => times[i]?.push(time(v)));
  return times.map(median);
}

const load = (): string => (loadavg()[0] as number).toFixed(1);
const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)} %`;

async function breakdown(title: string, piece: Piece, rows: readonly number[], repeats: number, perIteration: number): Promise<void> {
  piece.run();
  // unprofiled and profiled runs interleaved: the load drifts, both see it alike
  const walls: number[] = [];
  const runs: { kernels: ProfiledKernel[]; ms: number }[] = [];
  for (let r = 0; r < repeats; r++) {
    walls.push(time(() => piece.run()));
    const info = await tf.profile(() => piece.run());
    const kernels = info.kernels.filter((k) => !k.name.endsWith('__op'));
    runs.push({ kernels, ms: kernels.reduce((n, k) => n + (k.kernelTimeMs as number), 0) });
  }
  const wall = median(walls);
  const typical = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)] as { kernels: ProfiledKernel[]; ms: number };
  const kernels = typical.kernels as (ProfiledKernel & { kernelTimeMs: number })[];
  const cats = new Map<string, Category>();
  for (const k of kernels) {
    const key = kernelCategory(k, new Set(rows));
    const c = cats.get(key) ?? { count: 0, ms: 0, flops: 0 };
    c.count++;
    c.ms += k.kernelTimeMs;
    c.flops += matMulFlopsOfKernels([k]).flops;
    cats.set(key, c);
  }
  const kernelMs = typical.ms;
  const inside = Math.min(1, kernelMs / wall);
  console.log(`\n### ${title}\n`);
  console.log(
    `wall ${wall.toFixed(0)} ms (median of ${repeats} unprofiled runs, interleaved with ${repeats} profiled ones; load ${load()}); ${kernels.length} kernels, ` +
      `${kernelMs.toFixed(0)} ms inside kernels (median profiled run), so ≈ ${(100 * (1 - inside)).toFixed(0)} % of the wall time is outside kernels; ${perIteration} such pieces per iteration.\n`,
  );
  console.log('| category | kernels | kernel ms | share of kernel time | ≈ share of wall | GFLOP/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [key, c] of [...cats.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${key} | ${c.count} | ${c.ms.toFixed(0)} | ${pct(c.ms, kernelMs)} | ${pct(c.ms * inside, kernelMs)} | ${c.flops > 0 ? (c.flops / c.ms / 1e6).toFixed(1) : ''} |`);
  }
  console.log(`| outside kernels (JavaScript: dispatch, noise, bookkeeping) | | | | ${(100 * (1 - inside)).toFixed(1)} % | |`);
  const all = matMulFlopsOfKernels(kernels).flops;
  console.log(`\nall matMuls: ${(all / 1e9).toFixed(2)} GFLOP, ${(all / wall / 1e6).toFixed(1)} GFLOP/s over the wall time.`);
}

/** Median ms of one kernel call, interleaved with the others. */
function kernelRates(rowsList: readonly number[], repeats: number): void {
  type K = { label: string; flops: number; run: () => void; free: () => void };
  const make = (label: string, flops: number, inputs: tf.Tensor[], op: (...t: tf.Tensor[]) => tf.Tensor): K => ({
    label,
    flops,
    run: () => {
      const y = op(...inputs);
      y.dataSync();
      y.dispose();
    },
    free: () => tf.dispose(inputs),
  });
  const ks: K[] = [make('matMul [1024,1024]·[1024,1024] (ceiling reference)', 2 * 1024 ** 3, [tf.randomNormal([1024, 1024]), tf.randomNormal([1024, 1024])], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))];
  for (const r of rowsList) {
    const x = (): tf.Tensor => tf.randomNormal([r, h]);
    const w = (): tf.Tensor => tf.randomNormal([h, h]);
    ks.push(
      make(`layer: fused matMul [${r},${h}]·[${h},${h}] + bias`, 2 * r * h * h, [x(), w(), tf.zeros([h])], (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c })),
      make(`∂W: matMul [${h},${r}]·[${r},${h}] (input transposed first)`, 2 * r * h * h, [tf.randomNormal([h, r]), x()], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)),
      make(`∂W: matMul(x, dp, transposeA) [${r},${h}]ᵀ·[${r},${h}] (flagged loop)`, 2 * r * h * h, [x(), x()], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false)),
      make(`transpose [${r},${h}]`, 0, [x()], (a) => tf.transpose(a as tf.Tensor)),
      make(`bias sum: matMul(ones [${r},1], M, transposeA)`, 2 * r * h, [tf.ones([r, 1]), x()], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false)),
      make(`bias sum: tf.sum(M [${r},${h}], 0)`, 0, [x()], (a) => tf.sum(a as tf.Tensor, 0)),
      make(`gate x·σ(1.702x) [${r},${h}] (3 kernels)`, 0, [x()], (a) => tf.tidy(() => tf.mul(a as tf.Tensor, tf.sigmoid(tf.mul(a as tf.Tensor, 1.702))))),
    );
  }
  const tiny = [tf.ones([1, h]), tf.ones([1, h])];
  ks.push({
    label: 'dispatch: add [1,128] + [1,128], one of 1000 in a row (per-kernel overhead)',
    flops: 0,
    run: () => {
      for (let i = 0; i < 1000; i++) tf.add(tiny[0] as tf.Tensor, tiny[1] as tf.Tensor).dispose();
    },
    free: () => tf.dispose(tiny),
  });
  const ms = interleaved(
    ks.map((k) => k.run),
    repeats,
  );
  console.log(`\n### Kernel rates at the pieces' shapes (median of ${repeats} interleaved rounds; load ${load()})\n`);
  console.log('| kernel | ms | GFLOP/s |');
  console.log('|---|---:|---:|');
  ms[ms.length - 1] = (ms[ms.length - 1] as number) / 1000;
  ks.forEach((k, i) => console.log(`| ${k.label} | ${(ms[i] as number).toFixed(3)} | ${k.flops > 0 ? (k.flops / (ms[i] as number) / 1e6).toFixed(1) : ''} |`));
  ks.forEach((k) => k.free());
}

async function main(): Promise<void> {
  const args = new Map<string, number>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const name = (argv[i] ?? '').replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!['batch', 'points', 'steps', 'shards', 'chunk-rows', 'repeats'].includes(name) || !Number.isInteger(value) || value < 1) {
      console.error(`profile: bad option '${argv[i]} ${argv[i + 1] ?? ''}' (options: --batch, --points, --steps, --shards, --chunk-rows, --repeats, positive integers)`);
      process.exit(2);
    }
    args.set(name, value);
  }
  const batch = args.get('batch') ?? 5000;
  const points = args.get('points') ?? 10000;
  const steps = args.get('steps') ?? 30;
  const shards = args.get('shards') ?? 2;
  const chunkRows = args.get('chunk-rows') ?? defaultChunkRows;
  const repeats = args.get('repeats') ?? 3;
  const backend = await startBackend();
  console.log(`profile: ${new Date().toISOString()}, backend ${backend}, B = ${batch}, ${points} points, N = ${steps}, ${shards} shards, chunkRows ${chunkRows}; load ${load()}`);

  // ---- 1. where the time goes
  const chunks = adjointChunks({ batch, steps, shards, chunkRows, driftCacheBytes });
  const chunk = chunks[0] as number;
  const trainPiece = adjointChunk(chunk, steps);
  await breakdown(`Training, B = ${batch}: one chunk of ${chunk} rows (adjoint, one thread)`, trainPiece, [chunk], repeats, chunks.length);
  const shardPoints = splitRows(points, shards)[0] as number;
  const samplePiece = samplingShard(points, 0, shardPoints, steps);
  const blocks = samplerBlocks(shardPoints, samplerPath);
  await breakdown(`Sampling, ${points} points: one shard of ${shardPoints} rows (one thread; the sampler runs it as blocks of ${[...new Set(blocks)].join(', ')} rows)`, samplePiece, blocks, repeats, shards);

  // ---- 2. kernel rates
  kernelRates([...new Set([chunk, splitRows(batch, shards)[0] as number, ...blocks.slice(0, 1), shardPoints])], Math.max(5, repeats * 3));

  // ---- 3. levers measured without library changes
  console.log(`\n### Levers measured here (interleaved, medians of ${repeats}; one thread unless stated)\n`);
  console.log('| lever | before | after | change |');
  console.log('|---|---:|---:|---:|');
  const row = (label: string, before: number, after: number, unit = 'ms'): void =>
    console.log(`| ${label} | ${before.toFixed(0)} ${unit} | ${after.toFixed(0)} ${unit} | ${(((after - before) / before) * 100).toFixed(0)} % |`);

  const shardRowsCount = splitRows(batch, shards)[0] as number;
  const perShard = chunks.length / shards;
  if (perShard > 1) {
    const whole = adjointChunk(shardRowsCount, steps);
    const [split, one] = interleaved([() => Array.from({ length: perShard }, () => trainPiece.run()), () => whole.run()], repeats) as [number, number];
    row(`a training shard of ${shardRowsCount} rows: ${perShard} chunks of ${chunk} → one chunk (chunkRows ≥ ${shardRowsCount}; more memory)`, split, one);
    whole.dispose();
  }
  const allCached = 4 * ((referenceShape.layers + 1) * chunk * h + 6 * h) * steps;
  const bigCache = adjointChunk(chunk, steps, 0, allCached);
  const [cacheDefault, cacheAll] = interleaved([() => trainPiece.run(), () => bigCache.run()], repeats) as [number, number];
  row(`drift cache of a ${chunk}-row chunk: ${(driftCacheBytes / 2 ** 20).toFixed(0)} MiB → all ${steps} steps (${(allCached / 2 ** 20).toFixed(0)} MiB)`, cacheDefault, cacheAll);
  bigCache.dispose();

  if (blocks.length > 1) {
    const whole = samplingShard(points, 0, shardPoints, steps, shardPoints);
    const [blocked, one] = interleaved([() => samplePiece.run(), () => whole.run()], repeats) as [number, number];
    row(`a sampling shard of ${shardPoints} rows: blocks of ${samplerPath.batchRows} rows (sampleMarginal's default batchSize) → one block`, blocked, one);
    whole.dispose();
  }
  const noise = forwardNoisePass(chunk, steps);
  const [noiseMs, chunkMs] = interleaved([() => noise.run(), () => trainPiece.run()], repeats) as [number, number];
  console.log(`| forward noise δ^F of a ${chunk}-row chunk, ${steps} steps drawn once (the rollout draws it, the replay of uncached steps again) | ${noiseMs.toFixed(0)} ms of a ${chunkMs.toFixed(0)} ms chunk | | ${pct(noiseMs, chunkMs)} per draw |`);

  // data-parallel overhead: the whole iteration on all shards against one shard's work alone here
  for (const what of ['adjoint', 'sample'] as const) {
    const rows = what === 'sample' ? points : batch;
    const workload = await startWorkload({ what, batch: rows, steps, parallel: true, workers: shards - 1, chunkRows });
    await workload.iteration(0);
    const alone: () => void = what === 'sample' ? () => samplePiece.run() : () => Array.from({ length: perShard }, () => trainPiece.run());
    alone();
    const par: number[] = [];
    const one: number[] = [];
    const parCpu: number[] = [];
    const oneCpu: number[] = [];
    const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
    for (let r = 1; r <= repeats; r++) {
      let c0 = process.cpuUsage();
      const t0 = performance.now();
      await workload.iteration(r);
      par.push(performance.now() - t0);
      parCpu.push(cpuMs(process.cpuUsage(c0)));
      c0 = process.cpuUsage();
      one.push(time(alone));
      oneCpu.push(cpuMs(process.cpuUsage(c0)));
    }
    await workload.dispose();
    const label = what === 'sample' ? `parallel-sample ${points}` : `train parallel-adjoint B = ${batch}`;
    row(`${label}, wall: one shard's work alone on this thread → the whole iteration on ${shards} shards (ideal: equal; more when other jobs hold a core)`, median(one), median(par));
    row(`${label}, CPU time of all threads: ${shards} × one shard alone → the whole iteration (the excess is the pool's copies, messages and merging)`, shards * median(oneCpu), median(parCpu));
  }
  trainPiece.dispose();
  samplePiece.dispose();
  console.log(`\nload at the end ${load()}`);
}

await main();
