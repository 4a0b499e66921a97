/**
 * Issue 27's lever "one weight-gradient product per layer for all N steps", measured on its own:
 * the adjoint's backward walk forms ∂W_k = Σ_j h_{k,j}ᵀ·dp_{k,j} over the N steps j of an iteration
 * as N products [h, B]·[B, h] (an explicit transpose each: wasm runs a matMul through XNNPACK only
 * without transpose flags) summed by AddN in blocks of 8, and ∂b_k = Σ_j onesᵀ·dp_{k,j} alike.
 * The alternative concatenates the steps, [N·B, h], and runs one transpose and one product
 * [h, N·B]·[N·B, h] per layer (and one column sum): N − 1 fewer kernels of each kind per layer and
 * one AddN fewer per block, but the same bytes transposed and packed.
 *
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/weight_gradients.ts
 *   … --batch 256 --hidden 64 --steps 30 --layers 3 --rounds 20     # defaults: one shard of the main job
 *
 * Prints, for `--rounds` interleaved rounds (the order alternating): median wall and CPU ms (min–max)
 * of both ways for all layers of one network, the median of the per-round ratios, the kernels each
 * runs, and how far the two sums differ (float32 summation order: relative L2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { replayableNormal } from '@diffflow/sde-core';
import { interleavedAb, roundRatios, spread, type AbTimes } from './ab_rounds.js';
import { pairFlags } from './pair_flags.js';
import { startBackend } from './workload.js';

const flags = pairFlags('weight_gradients');
const positive = (name: string, fallback: number): number => flags.integer(name, fallback, 1);
const batch = positive('batch', 256);
const hidden = positive('hidden', 64);
const steps = positive('steps', 30);
const layers = positive('layers', 3);
const rounds = positive('rounds', 20);
/** Steps summed per AddN, as the adjoint's `gradientSumSteps`. */
const block = 8;

const backend = await startBackend();
/** Layer inputs h_{k,j} and pre-activation cotangents dp_{k,j} ([B, h]), index k·steps + j. */
const draw = (purpose: string): tf.Tensor2D[] =>
  Array.from({ length: layers * steps }, (_, i) => replayableNormal([batch, hidden], { seed: 1, purpose, iteration: 0, step: i }) as tf.Tensor2D);
const inputs = draw('h');
const cotangents = draw('dp');
const at = (list: tf.Tensor2D[], k: number, j: number): tf.Tensor2D => list[k * steps + j] as tf.Tensor2D;
const ones = tf.ones([batch, 1]) as tf.Tensor2D;
const onesAll = tf.ones([steps * batch, 1]) as tf.Tensor2D;

/** The adjoint's way: per step, one transpose and product per layer and a column sum; AddN per block of steps. */
const perStep = (): tf.Tensor[] =>
  tf.tidy(() => {
    const out: tf.Tensor[] = [];
    for (let k = 0; k < layers; k++) {
      let w: tf.Tensor | null = null;
      let b: tf.Tensor | null = null;
      for (let j0 = 0; j0 < steps; j0 += block) {
        const ws: tf.Tensor[] = [];
        const bs: tf.Tensor[] = [];
        for (let j = j0; j < Math.min(steps, j0 + block); j++) {
          ws.push(tf.matMul(tf.transpose(at(inputs, k, j)), at(cotangents, k, j)));
          bs.push(tf.matMul(ones, at(cotangents, k, j), true, false));
        }
        w = tf.addN(w === null ? ws : [w, ...ws]);
        b = tf.addN(b === null ? bs : [b, ...bs]);
      }
      out.push(w as tf.Tensor, tf.reshape(b as tf.Tensor, [hidden]));
    }
    return out;
  });

/** All steps at once: concatenate the steps' rows, one transpose, one product and one column sum per layer. */
const allSteps = (): tf.Tensor[] =>
  tf.tidy(() => {
    const out: tf.Tensor[] = [];
    for (let k = 0; k < layers; k++) {
      const h = tf.concat(Array.from({ length: steps }, (_, j) => at(inputs, k, j)), 0);
      const dp = tf.concat(Array.from({ length: steps }, (_, j) => at(cotangents, k, j)), 0) as tf.Tensor2D;
      out.push(tf.matMul(tf.transpose(h), dp), tf.reshape(tf.matMul(onesAll, dp, true, false), [hidden]));
    }
    return out;
  });

const ways = [
  { label: `per step (${steps} products per layer, AddN per ${block})`, run: perStep },
  { label: 'all steps at once (one product per layer)', run: allSteps },
];
// exactness and kernels
const values = ways.map((w) => w.run());
let num = 0;
let den = 0;
values[0]?.forEach((a, i) => {
  const x = a.dataSync();
  const y = (values[1]?.[i] as tf.Tensor).dataSync();
  for (let e = 0; e < x.length; e++) {
    num += ((x[e] as number) - (y[e] as number)) ** 2;
    den += (x[e] as number) ** 2;
  }
});
values.forEach((v) => tf.dispose(v));
const kernels: number[] = [];
for (const w of ways) kernels.push((await tf.profile(() => tf.dispose(w.run()))).kernels.length);

const load0 = (loadavg()[0] as number).toFixed(1);
const { wall, cpu } = interleavedAb(rounds, (k) => {
  const out = (ways[k] as (typeof ways)[number]).run();
  (out[0] as tf.Tensor).dataSync();
  return () => tf.dispose(out); // freed after the timing
});
const fmt = (xs: number[]): string => spread(xs, 1);
const ratio = (xs: AbTimes['wall']): string => spread(roundRatios(xs), 2);
console.log(`weight_gradients: ${backend}, B = ${batch}, h = ${hidden}, N = ${steps}, ${layers} layers; ${rounds} interleaved rounds, load ${load0} → ${(loadavg()[0] as number).toFixed(1)}`);
console.log('| way | kernels | wall ms, median (min–max) | CPU ms, median (min–max) |\n|---|---:|---:|---:|');
ways.forEach((w, k) => console.log(`| ${w.label} | ${kernels[k]} | ${fmt(wall[k] as number[])} | ${fmt(cpu[k] as number[])} |`));
console.log(`all at once ÷ per step, median of the rounds' ratios (min–max): wall ${ratio(wall)}, CPU ${ratio(cpu)}`);
console.log(`the two sums differ by ${Math.sqrt(num / den).toExponential(2)} relative (L2): float32 summation order`);
tf.dispose([...inputs, ...cotangents, ones, onesAll]);
