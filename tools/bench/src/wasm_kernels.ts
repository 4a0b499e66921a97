/**
 * The networks' own wasm kernels against the tfjs kernels they replace, one call at a time at the
 * main job's shapes (width 64; B = 512 rows, and the adjoint's batched score pass, 2048):
 *
 *   cd tools/bench && npx tsc -p tsconfig.json && node dist/wasm_kernels.js [--rounds 20] [--calls 50]
 *
 * Each row times `--calls` calls of each variant per unit, in `--rounds` interleaved rounds
 * (ab_rounds.ts), on the same operands, and prints µs per call (median and range over the rounds):
 * - A, tfjs's kernels: for a hidden layer's pull-back dp = dh ⊙ σ′ (Multiply), ∂W = hᵀ·dp (Transpose
 *   and BatchMatMul, which packs the fresh dp) and ∂b = 1ᵀ·dp (a flagged BatchMatMul); for the gate
 *   the flushed sigmoid and the products of `activation.ts` (5 kernels; 9 with the derivative);
 * - B, `gatedDensePullback` and `gateValue` / `gateWithDerivative` of @diffflow/networks: one kernel each.
 * On the wasm backend only (elsewhere B is A).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { flushedSigmoid, GATE_KERNEL, gatedDensePullback, wasmKernelsActive } from '@diffflow/networks';
import { interleavedAb, roundRatios, spread } from './ab_rounds.js';
import { pairFlags } from './pair_flags.js';
import { median } from './stats.js';
import { startBackend } from './workload.js';

const flags = pairFlags('wasm_kernels');
const rounds = flags.integer('rounds', 20);
const calls = flags.integer('calls', 50);

const backend = await startBackend();
if (!wasmKernelsActive()) {
  console.error(`wasm_kernels: DiffFlow's wasm kernels do not run on this backend (${backend}): nothing to compare`);
  process.exit(2);
}

/** The gate and its derivative with tfjs's kernels (what the fused gate replaces; activation.ts's ops). */
const gateByOps = (x: tf.Tensor, a: number, withDerivative: boolean): tf.Tensor[] =>
  tf.tidy(() => {
    const ax = a === 1 ? x : tf.mul(x, a);
    const sig = flushedSigmoid(ax);
    const value = tf.mul(x, sig);
    return withDerivative ? [value, tf.mul(sig, tf.add(1, tf.mul(ax, tf.sub(1, sig))))] : [value];
  });
/** The fused gate (`gateWithDerivative` / `gateValue` are internal to networks' Fourier MLP): one kernel. */
const gateFused = (x: tf.Tensor, a: number, withDerivative: boolean): tf.Tensor[] =>
  tf.engine().runKernel(GATE_KERNEL, { x }, { slope: a, withDerivative }) as tf.Tensor[];

interface Row {
  readonly label: string;
  readonly run: (k: 0 | 1) => tf.Tensor[];
}
const rows: Row[] = [];
for (const batch of [512, 2048]) {
  const h = tf.randomNormal([batch, 64], 0, 1, 'float32', 1) as tf.Tensor2D;
  const dh = tf.randomNormal([batch, 64], 0, 1, 'float32', 2) as tf.Tensor2D;
  const slope = tf.randomUniform([batch, 64], 0, 1.1, 'float32', 3) as tf.Tensor2D;
  const ones = tf.ones([batch, 1]) as tf.Tensor2D;
  rows.push({
    label: `hidden layer's pull-back, [${batch}, 64]`,
    run: (k) => {
      if (k === 1) {
        const g = gatedDensePullback(h, dh, slope);
        return [g.dPre, g.dWeight, g.dBias];
      }
      return tf.tidy(() => {
        const dp = tf.mul(dh, slope) as tf.Tensor2D;
        return [dp, tf.matMul(tf.transpose(h), dp), tf.matMul(ones, dp, true, false)];
      });
    },
  });
  const x = tf.randomNormal([1, batch, 64], 0, 3, 'float32', 4);
  rows.push({ label: `gate and derivative, [1, ${batch}, 64]`, run: (k) => (k === 0 ? gateByOps(x, 1.702, true) : gateFused(x, 1.702, true)) });
  rows.push({ label: `gate, [1, ${batch}, 64]`, run: (k) => (k === 0 ? gateByOps(x, 1, false) : gateFused(x, 1, false)) });
}

const load0 = loadavg()[0] as number;
console.log(`wasm_kernels: ${backend}, ${rounds} interleaved rounds of ${calls} calls per variant; load ${load0.toFixed(1)}\n`);
console.log('| call | A: tfjs kernels, µs per call | B: DiffFlow kernel, µs per call | B ÷ A, median of rounds (min–max) |');
console.log('|---|---:|---:|---|');
for (const row of rows) {
  for (const k of [0, 1] as const) tf.dispose(row.run(k)); // warm-up (compiles, packs, first allocation)
  const times = interleavedAb(rounds, (k) => {
    for (let c = 0; c < calls; c++) tf.dispose(row.run(k));
  });
  const perCall = (xs: readonly number[]): number[] => xs.map((ms) => (1000 * ms) / calls);
  const ratios = roundRatios(times.wall);
  console.log(`| ${row.label} | ${spread(perCall(times.wall[0]), 0)} | ${spread(perCall(times.wall[1]), 0)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`);
}
console.log(`\nload ${load0.toFixed(1)} → ${(loadavg()[0] as number).toFixed(1)}`);
