/**
 * The adjoint's batched score pass (`AdjointOptions.batchedScoreBytes`) at several chunk sizes,
 * interleaved in one process: how many points one score linearisation should cover.
 *
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/score_pass.ts --hidden 64 --batch 512 --steps 30 --points 0,1,5,10,30 --rounds 10
 *   … --profile 1      # also: per chunk size, the kernels of one profiled gradient grouped by name
 *
 * `--points` lists points per pass (0: one score linearisation per point inside the walk, the
 * per-point path). Each round runs one adjoint gradient of the bench's reference model (seed 0,
 * iteration = round) per chunk size, the order rotated each round. Prints kernels per gradient,
 * median wall and CPU ms (min–max) and the median of the per-round CPU ratios against the first entry.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cpuUsage } from 'node:process';
import { loadavg } from 'node:os';
import { selectBackend } from '@diffflow/backend';
import { adjointStrategy, disposeGradientResult } from '@diffflow/adjoint';
import { fixedGrid, forwardNoise, replayableNormals, replayableUniforms } from '@diffflow/sde-core';
import { modelFromSpec, timeTable } from '@diffflow/networks';
import { pairFlags } from './pair_flags.js';
import { median } from './stats.js';

const flags = pairFlags('score_pass');
const args = flags.raw;
const integer = (name: string, fallback: number): number => flags.integer(name, fallback);
const hidden = integer('hidden', 64);
const batch = integer('batch', 512);
const steps = integer('steps', 30);
const rounds = integer('rounds', 10);
const profile = integer('profile', 0) > 0;
const points = (args.points ?? '0,1,5,10,30').split(',').map(Number);
if (points.some((p) => !Number.isInteger(p) || p < 0)) {
  console.error(`score_pass: --points must be integers ≥ 0, comma-separated, got '${args.points}'`);
  process.exit(2);
}

const info = await selectBackend({ quiet: true });
const spec = {
  drift: { dim: 2, hidden, layers: 3, seed: 1, name: 'drift' },
  score: { dim: 2, hidden, layers: 3, seed: 2, name: 'score' },
  diffusion: { kind: 'constant', value: 0.2 },
} as const;
const model = modelFromSpec(spec);
const grid = [...fixedGrid({ steps, tMin: 1e-3, tMax: 0.05, beta: 0.9 })];
const probe = timeTable(model.score, grid);
if (probe === undefined) throw new Error('score_pass: the score has no time table');
const perRow = probe.cacheBytesPerRow();
probe.dispose();
const strategies = points.map((p) => adjointStrategy({ batchedScoreBytes: p * batch * perRow }));
const dataBatch = (it: number): tf.Tensor2D => {
  const normal = replayableNormals(2 * batch, { seed: 0, purpose: 'data', iteration: it, step: 0 });
  const corner = replayableUniforms(2 * batch, { seed: 0, purpose: 'data/corner', iteration: it, step: 0 });
  return tf.tensor2d(Float32Array.from(normal, (z, i) => 0.5 * z + ((corner[i] as number) < 0.5 ? -1 : 1)), [batch, 2]);
};
const gradient = (k: number, it: number): void => {
  const x0 = dataBatch(it);
  const r = (strategies[k] as (typeof strategies)[number])(model, x0, grid, forwardNoise(0, it));
  r.loss.bound.dataSync();
  disposeGradientResult(r);
  x0.dispose();
};

console.log(`score_pass: ${info.name}, width ${hidden}, B = ${batch}, N = ${steps}, one thread; score cache ${perRow} bytes per row; load ${loadavg()[0]?.toFixed(1)}\n`);
console.log('| points per pass | kernels / gradient | Σ kernel ms (profiled) |');
console.log('|---:|---:|---:|');
for (const [k, p] of points.entries()) {
  gradient(k, 0); // warm-up
  const prof = await tf.profile(() => gradient(k, 0));
  console.log(`| ${p === 0 ? '0 (per point)' : p} | ${prof.kernels.length} | ${prof.kernels.reduce((s, q) => s + (q.kernelTimeMs as number), 0).toFixed(0)} |`);
  if (profile) {
    const byName = new Map<string, { n: number; ms: number }>();
    for (const q of prof.kernels) {
      // products by their operands' shapes, everything else by name
      const key = q.name.includes('MatMul') ? `${q.name}${JSON.stringify(q.inputShapes.slice(0, 2))}` : q.name;
      const e = byName.get(key) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += q.kernelTimeMs as number;
      byName.set(key, e);
    }
    const top = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14);
    console.log(`|   ${top.map(([n, e]) => `${n} ${e.n}× ${e.ms.toFixed(1)} ms`).join(', ')} | | |`);
  }
}

if (rounds === 0) process.exit(0);
const wall: number[][] = points.map(() => []);
const cpu: number[][] = points.map(() => []);
const load0 = loadavg()[0] as number;
for (let r = 0; r < rounds; r++) {
  for (let q = 0; q < points.length; q++) {
    const k = (q + r) % points.length;
    const c0 = cpuUsage();
    const t0 = performance.now();
    gradient(k, 1 + r);
    const c = cpuUsage(c0);
    (wall[k] as number[]).push(performance.now() - t0);
    (cpu[k] as number[]).push((c.user + c.system) / 1000);
  }
}
const span = (xs: number[]): string => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
console.log(`\n${rounds} interleaved rounds, load ${load0.toFixed(1)} → ${(loadavg()[0] as number).toFixed(1)}`);
console.log(`| points per pass | wall ms, median (min–max) | CPU ms, median (min–max) | CPU ÷ first, median of rounds |`);
console.log('|---:|---:|---:|---:|');
for (const [k, p] of points.entries()) {
  const ratios = (cpu[k] as number[]).map((c, r) => c / ((cpu[0] as number[])[r] as number));
  console.log(`| ${p === 0 ? '0 (per point)' : p} | ${span(wall[k] as number[])} | ${span(cpu[k] as number[])} | ${median(ratios).toFixed(3)} |`);
}
model.sde.drift.dispose();
model.score.dispose();
