/**
 * Leaks and RSS over long runs: does anything grow while the toy2d model trains for many
 * iterations, samples, and evaluates likelihoods over and over?
 *
 *   cd tools/bench && npm run leaks                                  # reference 3×128, B = 512, N = 30
 *   node --conditions=@diffflow/source --import tsx src/leaks.ts --batch 128 --steps 10      # lighter, same network
 *   node --conditions=@diffflow/source --import tsx src/leaks.ts --config small              # 2×32 network
 *
 * Phases (one process, one backend: `selectBackend()`'s; DIFFFLOW_BACKEND forces one):
 *   1. training — `createTrainer` with toy2d's model, batches and trainer settings, `--iters` iterations
 *      (default 1000); a record after iteration 1 (warm-up: optimiser and EMA state exist) and every
 *      `--every` iterations (default 50);
 *   2. sampling — `--rounds` rounds (default 40) of `sampleMarginal` with the EMA weights
 *      (`--sample-points` points, λ = 1 and λ = 0 alternating, Tweedie last step); a record after each;
 *   3. likelihood — `--rounds` rounds of, with the EMA weights on `--nll-points` held-out points:
 *      `probabilityFlowNll` (exact trace, RK4 on the grid), `probabilityFlowNll` (exact trace, RK45,
 *      on the first quarter of the points) and `negativeElbo` (K = 2); a record after each.
 * A record is taken after a forced full garbage collection: tf.memory().numTensors / numBytes,
 * process RSS, the V8 heap in use and committed, memory outside the V8 heap (ArrayBuffers, the wasm
 * heap among them), and the wasm heap (the wasm backend's linear memory).
 *
 * Verdict (exit code 1 when one fails):
 *   tensors — numTensors is exactly the same at every record of a phase: training from iteration 1
 *             on, sampling and likelihood equal to the count before the phase.
 *   RSS     — after warm-up, RSS does not grow. The records of a phase (training: from iteration
 *             `--every` on) are split into four quarters; the first quarter is warm-up (the wasm heap
 *             grows to its high-water mark, V8 optimises the code and sizes its young generation).
 *             The floor (smallest record) of the last quarter must be within `--tolerance` (default
 *             5%) of the second quarter's floor: a leak raises every record, so it raises the floor,
 *             while memory the allocators keep for a while after a collection raises some records
 *             in either quarter. Quarter means and the slope after warm-up are printed beside it.
 *   JS heap — the same rule for the V8 heap in use after a full collection (live JS objects).
 *   dispose — after trainer.dispose() and disposing both networks, numTensors is back to its count
 *             before the model was built (a leak that does not grow, but one per model built).
 * See tools/bench/README.md, "Leaks and RSS over long runs", for why 5% and what it can detect.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { purposeSeed } from '@diffflow/sde-core';
import { negativeElbo, probabilityFlowNll, sampleMarginal } from '@diffflow/likelihood';
import { createTrainer, disposeModel } from '@diffflow/training';
import { heldOutPoints, toy2dData, toy2dDefaults, toyBatch, toyModel, toyNormalizer, type Toy2dConfig } from '@diffflow/experiment-toy2d';
import { constantGTrainerConfig } from '@diffflow/cli';

const MIB = 1024 * 1024;

// ---------------------------------------------------------------- options

interface Options {
  readonly config: 'default' | 'small';
  readonly iters: number;
  readonly every: number;
  readonly batch: number | undefined;
  readonly steps: number | undefined;
  readonly rounds: number;
  readonly samplePoints: number;
  readonly nllPoints: number;
  readonly tolerance: number;
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function parseOptions(argv: readonly string[]): Options {
  const spec = {
    config: { type: 'string' },
    iters: { type: 'string' },
    every: { type: 'string' },
    batch: { type: 'string' },
    steps: { type: 'string' },
    rounds: { type: 'string' },
    'sample-points': { type: 'string' },
    'nll-points': { type: 'string' },
    'tolerance': { type: 'string' },
  } as const;
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)} (allowed: ${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
  }
  const int = (name: string, fallback: number | undefined, min: number): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) fail(`option '--${name}' must be an integer >= ${min}, got '${raw}'`);
    return n;
  };
  const config = values['config'] ?? 'default';
  if (config !== 'default' && config !== 'small') fail(`option '--config' must be 'default' or 'small', got '${config}'`);
  const iters = int('iters', 1000, 8) as number;
  const every = int('every', 50, 1) as number;
  if (iters / every < 8) fail(`option '--every' must leave at least 8 records in --iters=${iters} (four quarters of two), got ${every}`);
  const rawTol = values['tolerance'];
  const tolerance = rawTol === undefined ? 0.05 : Number(rawTol);
  if (!(tolerance > 0 && tolerance < 1)) fail(`option '--tolerance' must be a fraction in (0, 1), got '${rawTol}'`);
  return {
    config,
    iters,
    every,
    batch: int('batch', undefined, 1),
    steps: int('steps', undefined, 1),
    rounds: int('rounds', 40, 8) as number,
    samplePoints: int('sample-points', 2000, 1) as number,
    nllPoints: int('nll-points', 256, 4) as number,
    tolerance,
  };
}

// ---------------------------------------------------------------- measuring

/** A full garbage collection (V8's `gc`, exposed at run time so no node flag is needed). */
const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

interface Sample {
  readonly phase: 'start' | 'training' | 'sampling' | 'likelihood';
  /** Iteration (training) or round (sampling, likelihood). */
  readonly at: number;
  readonly numTensors: number;
  readonly tensorMiB: number;
  readonly rssMiB: number;
  /** V8 heap in use after the full collection (live JS objects). */
  readonly heapMiB: number;
  /** V8 heap committed (in use plus what V8 keeps for the young generation and free pages). */
  readonly heapTotalMiB: number;
  /** Memory of ArrayBuffers and other objects outside the V8 heap (includes the wasm heap). */
  readonly externalMiB: number;
  readonly wasmMiB: number | null;
  readonly seconds: number;
}

function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

const t0 = performance.now();
function record(phase: Sample['phase'], at: number): Sample {
  gc();
  const mem = tf.memory();
  const usage = process.memoryUsage();
  const wasm = wasmHeapBytes();
  return {
    phase,
    at,
    numTensors: mem.numTensors,
    tensorMiB: mem.numBytes / MIB,
    rssMiB: usage.rss / MIB,
    heapMiB: usage.heapUsed / MIB,
    heapTotalMiB: usage.heapTotal / MIB,
    externalMiB: usage.external / MIB,
    wasmMiB: wasm === null ? null : wasm / MIB,
    seconds: (performance.now() - t0) / 1000,
  };
}

// ---------------------------------------------------------------- verdicts

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares slope of ys over xs. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] as number) - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

interface Verdict {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
}

function tensorVerdict(what: string, samples: readonly Sample[], expected: number): Verdict {
  const counts = samples.map((s) => s.numTensors);
  const bad = samples.find((s) => s.numTensors !== expected);
  return {
    what: `tensors, ${what}`,
    ok: bad === undefined,
    detail:
      bad === undefined
        ? `${expected} at all ${samples.length} records`
        : `expected ${expected} at every record, got ${bad.numTensors} at ${bad.phase} ${bad.at} (range ${Math.min(...counts)}…${Math.max(...counts)})`,
  };
}

/**
 * Growth of a memory series after warm-up. The records are split into four quarters; the first is
 * warm-up. A leak raises every later record, so it raises the *floor* (the smallest record) of each
 * quarter; transient retention (V8's young generation kept committed, freed ArrayBuffer backing
 * stores glibc has not returned yet) raises only some records, in either quarter. Rule:
 *   min(Q4) ≤ (1 + tolerance) · min(Q2).
 * The quarter means and the least-squares slope after warm-up are printed beside it.
 */
function growthVerdict(what: string, samples: readonly Sample[], value: (s: Sample) => number, tolerance: number, unit: string): Verdict {
  const q = Math.floor(samples.length / 4);
  const second = samples.slice(q, 2 * q).map(value);
  const last = samples.slice(samples.length - q).map(value);
  const f2 = Math.min(...second);
  const f4 = Math.min(...last);
  const growth = (f4 - f2) / f2;
  const tail = samples.slice(q);
  const perUnit = slope(
    tail.map((s) => s.at),
    tail.map(value),
  );
  return {
    what,
    ok: growth <= tolerance,
    detail:
      `last-quarter floor ${f4.toFixed(1)} MiB vs second-quarter floor ${f2.toFixed(1)} MiB: ${growth >= 0 ? '+' : ''}${(100 * growth).toFixed(2)}% (limit +${(100 * tolerance).toFixed(0)}%); ` +
      `means ${mean(last).toFixed(1)} vs ${mean(second).toFixed(1)} MiB; slope after warm-up ${(perUnit * 1024).toFixed(1)} KiB/${unit}`,
  };
}

// ---------------------------------------------------------------- the run

function formatTable(samples: readonly Sample[]): string {
  const rows = [
    ['phase', 'at', 'numTensors', 'tensor MiB', 'RSS MiB', 'JS heap MiB', 'V8 committed MiB', 'external MiB', 'wasm heap MiB', 'elapsed s'],
    ...samples.map((s) => [
      s.phase,
      String(s.at),
      String(s.numTensors),
      s.tensorMiB.toFixed(2),
      s.rssMiB.toFixed(1),
      s.heapMiB.toFixed(1),
      s.heapTotalMiB.toFixed(1),
      s.externalMiB.toFixed(1),
      s.wasmMiB === null ? '-' : s.wasmMiB.toFixed(0),
      s.seconds.toFixed(0),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string => `| ${r.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, c) => (c < 1 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const backend = await selectBackend();
  const network = options.config === 'small' ? { hidden: 32, layers: 2 } : {};
  const config: Toy2dConfig = {
    ...toy2dDefaults,
    ...network,
    ...(options.batch === undefined ? {} : { batchSize: options.batch }),
    ...(options.steps === undefined ? {} : { steps: options.steps }),
    iters: options.iters,
    out: '',
  };
  const data = toy2dData(config);
  const normalizer = toyNormalizer(data, config.seed);
  const initialTensors = tf.memory().numTensors;
  const model = toyModel(config);
  const trainer = createTrainer(model, constantGTrainerConfig(config), (it) => toyBatch(data, normalizer, config.seed, config.batchSize, it));
  process.stderr.write(
    `[leaks] ${backend.name}; toy2d ${config.dataset}, 2 × fourierMlp ${config.layers}×${config.hidden} (${model.sde.drift.parameterCount + model.score.parameterCount} parameters), ` +
      `B = ${config.batchSize}, N = ${config.steps}, ${config.strategy}; ${options.iters} iterations, then ${options.rounds} rounds each of sampling and likelihood\n`,
  );
  const samples: Sample[] = [record('start', 0)];

  // 1. training
  const training: Sample[] = [];
  while (trainer.iteration < options.iters) {
    trainer.step();
    const it = trainer.iteration;
    if (it === 1 || it % options.every === 0) {
      const s = record('training', it);
      training.push(s);
      samples.push(s);
      process.stderr.write(`[leaks] iteration ${it}: ${s.numTensors} tensors, RSS ${s.rssMiB.toFixed(1)} MiB (${s.seconds.toFixed(0)} s)\n`);
    }
  }

  // 2. sampling with the EMA weights
  const grid = trainer.evaluationGrid();
  const beforeSampling = record('training', trainer.iteration).numTensors;
  const sampling: Sample[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    trainer.ema.withAveraged(() => {
      const { samples: drawn } = sampleMarginal(trainer.model, {
        grid,
        lambda: round % 2 === 1 ? 1 : 0,
        n: options.samplePoints,
        shape: [2],
        seed: purposeSeed(config.seed, 'sample') + round,
        denoise: true,
      });
      normalizer.denormalize(drawn.dataSync() as Float32Array);
      drawn.dispose();
    });
    const s = record('sampling', round);
    sampling.push(s);
    samples.push(s);
  }
  process.stderr.write(`[leaks] sampling done (${samples[samples.length - 1]!.seconds.toFixed(0)} s)\n`);

  // 3. likelihood with the EMA weights, on held-out points (the eval's draw)
  const raw = heldOutPoints(data, config.seed, options.nllPoints);
  const heldOut = tf.tensor2d(normalizer.normalize(raw), [options.nllPoints, 2]);
  const quarter = tf.slice(heldOut, [0, 0], [Math.max(1, Math.floor(options.nllPoints / 4)), 2]);
  const beforeLikelihood = tf.memory().numTensors;
  const likelihood: Sample[] = [];
  let lastNll = Number.NaN;
  for (let round = 1; round <= options.rounds; round++) {
    trainer.ema.withAveraged(() => {
      const rk4 = probabilityFlowNll(trainer.model, heldOut, { grid, solver: 'rk4', trace: { kind: 'exact' } });
      probabilityFlowNll(trainer.model, quarter, { grid, solver: 'rk45', trace: { kind: 'exact' } });
      negativeElbo(trainer.model, heldOut, grid, { seed: purposeSeed(config.seed, 'test-noise'), draws: 2, pass: round });
      lastNll = rk4.nll.reduce((a, b) => a + b, 0) / rk4.nll.length;
    });
    const s = record('likelihood', round);
    likelihood.push(s);
    samples.push(s);
  }
  tf.dispose([heldOut, quarter]);
  process.stderr.write(`[leaks] likelihood done (${samples[samples.length - 1]!.seconds.toFixed(0)} s); last RK4 NLL ${lastNll.toFixed(3)} nats (model coordinates)\n`);

  const fromWarm = training.filter((s) => s.at >= 1);
  const afterWarm = training.filter((s) => s.at >= options.every);
  const phases = [
    [`training (iterations ${options.every}…${options.iters})`, afterWarm, 'iteration'],
    [`sampling (${options.rounds} rounds)`, sampling, 'round'],
    [`likelihood (${options.rounds} rounds)`, likelihood, 'round'],
  ] as const;
  const verdicts: Verdict[] = [
    tensorVerdict(`training (iterations 1…${options.iters})`, fromWarm, training[0]!.numTensors),
    tensorVerdict(`sampling (${options.rounds} rounds)`, sampling, beforeSampling),
    tensorVerdict(`likelihood (${options.rounds} rounds)`, likelihood, beforeLikelihood),
    ...phases.map(([what, records, unit]) => growthVerdict(`RSS, ${what}`, records, (s) => s.rssMiB, options.tolerance, unit)),
    ...phases.map(([what, records, unit]) => growthVerdict(`JS heap, ${what}`, records, (s) => s.heapMiB, options.tolerance, unit)),
  ];
  trainer.dispose();
  disposeModel(model);
  const end = tf.memory().numTensors;
  const disposed: Verdict = {
    what: 'tensors, after disposing trainer and model',
    ok: end === initialTensors,
    detail: `${end}, the count before the model was built: ${initialTensors}`,
  };
  process.stdout.write(
    `Leaks and RSS: ${backend.name}, 2 × fourierMlp ${config.layers}×${config.hidden}, B = ${config.batchSize}, N = ${config.steps}, ` +
      `${options.iters} iterations, ${options.rounds} rounds of sampling (${options.samplePoints} points) and likelihood (${options.nllPoints} points)\n\n`,
  );
  process.stdout.write(`${formatTable(samples)}\n\n`);
  for (const v of [...verdicts, disposed]) process.stdout.write(`${v.ok ? 'PASS' : 'FAIL'}  ${v.what}: ${v.detail}\n`);
  const failed = verdicts.filter((v) => !v.ok).map((v) => v.what);
  process.stdout.write(`verdict (growth over the run): ${failed.length === 0 ? 'no leak, no growth' : `FAILED: ${failed.join('; ')}`}\n`);
  process.stdout.write(`verdict (dispose): ${disposed.ok ? 'everything freed' : `FAILED: ${disposed.detail}`}\n`);
  process.exitCode = failed.length === 0 && disposed.ok ? 0 : 1;
}

await main();
