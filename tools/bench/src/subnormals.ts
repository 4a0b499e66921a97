/**
 * Subnormal floats in a training iteration, counted at run time: every kernel of one toy2d
 * iteration (one thread, the adjoint) is wrapped, and the float32 values of its inputs and its
 * output that are subnormal (0 < |v| < 2⁻¹²⁶ ≈ 1.18e-38) are counted per kernel name. Wasm has no
 * flush-to-zero, so arithmetic on such values takes a slow path (a [256, 64]·[64, 64] matMul ~3.7×
 * slower, issue 27); this probe says which kernels see them and how many.
 *
 *   node dist/subnormals.js                          # fresh model (iteration 0)
 *   node dist/subnormals.js --run /tmp/run           # from that run's checkpoint.bin
 *   node dist/subnormals.js --run /tmp/run --iterations 6   # also: median ms of 6 plain iterations
 *   node dist/subnormals.js --run /tmp/run --dump a.json     # one iteration's loss terms and gradients
 *   node dist/subnormals.js --compare a.json b.json          # ... of two code versions, compared
 *   node dist/subnormals.js --run /tmp/run --versus-fresh 8  # 8 rounds: one iteration of a fresh model,
 *                                                           # one of the checkpoint's, in turn (ratio)
 *
 * It prints the 1-minute load average. Width, batch and N come from the run's config.json (or the
 * toy2d defaults).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@diffflow/backend';
import { createTrainer, disposeModel, type Trainer } from '@diffflow/training';
import { adjointGradients, disposeGradientResult } from '@diffflow/adjoint';
import { forwardNoise } from '@diffflow/sde-core';
import { constantGTrainerConfig } from '@diffflow/cli';
import { resumeTrainer } from '@diffflow/runs';
import { CHECKPOINT, toyPool, toy2dData, toy2dDefaults, toyBatch, toyModel, toyNormalizer, type Toy2dConfig } from '@diffflow/experiment-toy2d';
import { withKernels } from './replay.js';
import { median } from './stats.js';

/** Smallest positive normal float32, 2⁻¹²⁶. */
export const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * Below this magnitude (2⁻¹⁰⁰ ≈ 7.9e-31) a nonzero float32 is "tiny": normal, but its product with
 * anything ≤ 2⁻²⁶ (≈ 1.5e-8, a gradient's size) underflows into the subnormal range.
 */
export const TINY = 2 ** -100;

/** Subnormal values (0 < |v| < 2⁻¹²⁶) among `values`. */
export function countSubnormals(values: ArrayLike<number>): number {
  return countBelow(values, FLOAT32_MIN_NORMAL);
}

/** Nonzero values of magnitude below `bound` among `values`. */
export function countBelow(values: ArrayLike<number>, bound: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i] as number);
    if (a !== 0 && a < bound) n++;
  }
  return n;
}

/** Per kernel name: calls, float32 values read and written, and how many of them were subnormal. */
export interface SubnormalTally {
  calls: number;
  inputValues: number;
  inputSubnormals: number;
  outputValues: number;
  outputSubnormals: number;
  /** Calls with at least one subnormal input. */
  callsWithSubnormalInput: number;
  /** Nonzero inputs below {@link TINY} (normal or not). */
  inputTiny: number;
  /** Calls with at least one input below {@link TINY}. */
  callsWithTinyInput: number;
  /** Wall time inside the kernel (ms), counting excluded. */
  ms: number;
}

/**
 * Runs `run` with every kernel of the active backend wrapped, counting the subnormal float32 values
 * each kernel reads and writes; the kernels are restored afterwards (also when `run` throws).
 */
export function tallySubnormals(run: () => void): Map<string, SubnormalTally> {
  const backendName = tf.getBackend();
  const backend = tf.backend();
  const tallies = new Map<string, SubnormalTally>();
  const read = (info: tf.TensorInfo): Float32Array | null => (info.dtype === 'float32' ? (backend.readSync(info.dataId) as Float32Array) : null);
  const originals = tf.getKernelsForBackend(backendName);
  const wrap = (config: tf.KernelConfig): tf.KernelConfig => ({
    ...config,
    kernelFunc: (args) => {
      const tally = tallies.get(config.kernelName) ?? { calls: 0, inputValues: 0, inputSubnormals: 0, outputValues: 0, outputSubnormals: 0, callsWithSubnormalInput: 0, inputTiny: 0, callsWithTinyInput: 0, ms: 0 };
      tallies.set(config.kernelName, tally);
      tally.calls++;
      let any = false;
      let anyTiny = false;
      for (const input of Object.values(args.inputs)) {
        const values = input === undefined ? null : read(input);
        if (values === null) continue;
        const n = countSubnormals(values);
        const tiny = countBelow(values, TINY);
        tally.inputValues += values.length;
        tally.inputSubnormals += n;
        tally.inputTiny += tiny;
        any ||= n > 0;
        anyTiny ||= tiny > 0;
      }
      if (any) tally.callsWithSubnormalInput++;
      if (anyTiny) tally.callsWithTinyInput++;
      const start = performance.now();
      const out = config.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[];
      tally.ms += performance.now() - start;
      for (const o of Array.isArray(out) ? out : [out]) {
        const values = read(o);
        if (values === null) continue;
        tally.outputValues += values.length;
        tally.outputSubnormals += countSubnormals(values);
      }
      return out;
    },
  });
  withKernels(backendName, originals.map(wrap), originals, run);
  return tallies;
}

function option(name: string, fallback: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 && process.argv[k + 1] !== undefined ? (process.argv[k + 1] as string) : fallback;
}

/** The relative L2 difference ‖a − b‖ / ‖b‖ and the largest |a − b| of two gradient dumps, per entry. */
function compareDumps(pathA: string, pathB: string): void {
  const read = (p: string): Record<string, number[]> => JSON.parse(readFileSync(p, 'utf8')) as Record<string, number[]>;
  const [a, b] = [read(pathA), read(pathB)];
  console.log(`| entry | size | ‖a − b‖ / ‖b‖ | max abs difference | max abs value |`);
  console.log('|---|---:|---:|---:|---:|');
  let worst = 0;
  for (const [name, vb] of Object.entries(b)) {
    const va = a[name];
    if (va === undefined || va.length !== vb.length) throw new Error(`${name}: missing or of another size in ${pathA}`);
    let d2 = 0;
    let b2 = 0;
    let maxAbs = 0;
    let maxValue = 0;
    vb.forEach((y, i) => {
      const d = (va[i] as number) - y;
      d2 += d * d;
      b2 += y * y;
      maxAbs = Math.max(maxAbs, Math.abs(d));
      maxValue = Math.max(maxValue, Math.abs(y));
    });
    const rel = b2 === 0 ? (d2 === 0 ? 0 : Infinity) : Math.sqrt(d2 / b2);
    worst = Math.max(worst, rel);
    console.log(`| ${name} | ${vb.length} | ${rel.toExponential(2)} | ${maxAbs.toExponential(2)} | ${maxValue.toExponential(2)} |`);
  }
  console.log(`largest relative difference: ${worst.toExponential(2)}`);
}

async function main(): Promise<void> {
  const compare = process.argv.indexOf('--compare');
  if (compare >= 0) return compareDumps(process.argv[compare + 1] as string, process.argv[compare + 2] as string);
  const info = await selectBackend();
  const runPath = option('run', '');
  const iterations = Number(option('iterations', '0'));
  const config: Toy2dConfig = runPath === '' ? { ...toy2dDefaults, out: '' } : { ...toy2dDefaults, ...(JSON.parse(readFileSync(join(runPath, 'config.json'), 'utf8')) as Partial<Toy2dConfig>), out: runPath };
  const dataset = toy2dData(config);
  const normalizer = toyNormalizer(dataset, config.seed);
  const model = toyModel(config);
  const threads = Number(option('threads', '1'));
  const pool = threads > 1 ? await toyPool(config, threads) : undefined;
  const settings = { ...constantGTrainerConfig(config), ...(pool === undefined ? {} : { gradients: pool.gradientsSync }) };
  const trainer: Trainer = createTrainer(model, settings, (it) => toyBatch(dataset, normalizer, config.seed, config.batchSize, it));
  if (runPath !== '') await resumeTrainer(trainer, join(runPath, CHECKPOINT));
  console.log(`threads ${pool?.shards ?? 1}; backend ${info.name}; ${runPath === '' ? 'fresh model' : `checkpoint of ${runPath}`} at iteration ${trainer.iteration}; width ${config.hidden}, B = ${config.batchSize}, N = ${config.steps}; load ${loadavg()[0]?.toFixed(2)}`);
  const dump = option('dump', '');
  if (dump !== '') {
    // the next iteration's gradients, as the trainer would compute them on one thread
    const it = trainer.iteration;
    const x0 = toyBatch(dataset, normalizer, config.seed, config.batchSize, it);
    const r = adjointGradients(model, x0, trainer.gridAt(it), forwardNoise(config.seed, it));
    const out: Record<string, number[]> = {};
    for (const [k, t] of Object.entries(r.loss)) out[`loss.${k}`] = Array.from((t as tf.Tensor).dataSync());
    for (const [k, t] of Object.entries(r.grads)) out[k] = Array.from(t.dataSync());
    writeFileSync(dump, JSON.stringify(out));
    disposeGradientResult(r);
    x0.dispose();
    console.log(`wrote iteration ${it}'s loss terms and ${Object.keys(r.grads).length} gradients to ${dump}`);
  }
  const times: number[] = [];
  for (let k = 0; k < iterations; k++) times.push(trainer.step().ms);
  if (iterations > 0) console.log(`plain iterations: median ${median(times.slice(1)).toFixed(0)} ms of ${iterations - 1} (after one warm-up)`);
  const rounds = Number(option('versus-fresh', '0'));
  if (rounds > 0) {
    // the same configuration from its initial weights, stepped in turn with the checkpoint's trainer:
    // whatever the machine's load does, it does to both; their per-round ratio is the trained state's cost
    const freshModel = toyModel(config);
    const fresh = createTrainer(freshModel, settings, (it) => toyBatch(dataset, normalizer, config.seed, config.batchSize, it));
    fresh.step();
    trainer.step();
    // wall time waits for a core on a loaded machine; CPU time (user + system of this process, one
    // thread here) counts the work alone
    const cpuMs = (run: () => unknown): [number, number] => {
      const c = process.cpuUsage();
      const w = performance.now();
      run();
      const d = process.cpuUsage(c);
      return [performance.now() - w, (d.user + d.system) / 1000];
    };
    const wall: [number[], number[]] = [[], []];
    const cpu: [number[], number[]] = [[], []];
    const ratios: [number[], number[]] = [[], []];
    for (let r = 0; r < rounds; r++) {
      const f = cpuMs(() => fresh.step());
      const t = cpuMs(() => trainer.step());
      wall[0].push(f[0]);
      wall[1].push(t[0]);
      cpu[0].push(f[1]);
      cpu[1].push(t[1]);
      ratios[0].push(t[0] / f[0]);
      ratios[1].push(t[1] / f[1]);
    }
    const list = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
    console.log(`versus a fresh model, ${rounds} interleaved rounds (load ${loadavg()[0]?.toFixed(2)} at the end):`);
    console.log(`  wall: fresh median ${median(wall[0]).toFixed(0)} ms, checkpoint ${median(wall[1]).toFixed(0)} ms, median per-round ratio ${median(ratios[0]).toFixed(2)} (${list(ratios[0])})`);
    console.log(`  CPU:  fresh median ${median(cpu[0]).toFixed(0)} ms, checkpoint ${median(cpu[1]).toFixed(0)} ms, median per-round ratio ${median(ratios[1]).toFixed(2)} (${list(ratios[1])})`);
    fresh.dispose();
    disposeModel(freshModel);
  }
  if (pool !== undefined) {
    await pool.dispose();
    trainer.dispose();
    disposeModel(model);
    return;
  }
  const tallies = tallySubnormals(() => void trainer.step());
  const rows = [...tallies].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16);
  const all = [...tallies.values()];
  const sum = (f: (t: SubnormalTally) => number): number => all.reduce((n, t) => n + f(t), 0);
  console.log(`one iteration: ${sum((t) => t.calls)} kernels, ${sum((t) => t.inputValues)} float32 inputs read, ${sum((t) => t.inputSubnormals)} of them subnormal; ${sum((t) => t.outputSubnormals)} subnormal outputs`);
  console.log(`tiny inputs (0 < |v| < 2^-100): ${sum((t) => t.inputTiny)} in ${sum((t) => t.callsWithTinyInput)} calls; kernel time ${sum((t) => t.ms).toFixed(0)} ms`);
  console.log('| kernel (16 slowest) | calls | ms | calls with a tiny input | tiny inputs | subnormal inputs | subnormal outputs | of outputs |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, t] of rows) {
    const pct = (a: number, b: number): string => `${((100 * a) / Math.max(1, b)).toFixed(3)} %`;
    console.log(`| ${name} | ${t.calls} | ${t.ms.toFixed(1)} | ${t.callsWithTinyInput} | ${t.inputTiny} | ${t.inputSubnormals} | ${t.outputSubnormals} | ${pct(t.outputSubnormals, t.outputValues)} |`);
  }
  trainer.dispose();
  disposeModel(model);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
