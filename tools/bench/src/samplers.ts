/**
 * Samplers compared on trained 2-D checkpoints: quality against steps (fraction of samples inside the
 * checkerboard's squares, `insideSupport`) and cost (network calls per sample path — DiffFlow's drift and
 * score each count one, DDPM's ε-network one — and ms for `--timeRows` points).
 *
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/samplers.ts \
 *     --diffflow=<toy2d:train run> --ddpm=<toy2d:compare run> [--n=4000] [--steps=1,2,3,5,10,30,100] [--timeRows=10000] [--timeSteps=10] [--grid=log-snr]
 *
 * DiffFlow: the run's EMA model on its fixed grid (uniform in t^β over [tMin, T]). DDPM: the compare
 * run's ε-network (EMA) read as the VP model `ddpmModel` on a grid uniform in t over [1e-3, 1] (with
 * `--grid=log-snr`: uniform in the VP SDE's half log-SNR, sde-core's `logSnrGrid`), plus
 * the discrete ancestral chain of @diffflow/losses (strided to N of K) for reference. rk45 runs on the
 * two-point grid [t_0, T] at a few tolerances (its N is its own). Timings: interleaved rounds, median.
 * Prints markdown tables.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { decodeNormalizer, insideSupport, type Normalizer } from '@diffflow/datasets';
import { diffusionModel, fixedGrid, logSnrGrid, sde, vpSchedule, type DiffusionModel, type TimeGrid, type VectorField } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { ddpmAncestralSample, ddpmEpsilonNetworkOptions, ddpmModel } from '@diffflow/losses';
import { sampleWith, type SamplerSpec } from '@diffflow/likelihood';
import { createDdpmTrainer, purposeSeed } from '@diffflow/training';
import { orThrow } from '@diffflow/cli';
import { resumeTrainer } from '@diffflow/runs';
import { loadEmaRun } from '@diffflow/experiment-toy2d';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const n = Number(args['n'] ?? 4000);
const stepsList = (args['steps'] ?? '1,2,3,5,10,30,100').split(',').map(Number);
const timeRows = Number(args['timeRows'] ?? 10_000);
const timeSteps = Number(args['timeSteps'] ?? 10);
const rounds = Number(args['rounds'] ?? 2);

/** A field that counts its calls. */
function counted(field: VectorField, tally: { calls: number }): VectorField {
  return { ...field, apply: (x, t) => (tally.calls++, field.apply(x, t)) };
}

interface Subject {
  readonly label: string;
  readonly model: DiffusionModel;
  readonly normalizer: Normalizer;
  /** Network calls so far (learned fields only). */
  readonly tally: { calls: number };
  /** Calls the sampler shell's shape check makes once per draw (one per learned field), not counted. */
  readonly probes: number;
  readonly grid: (steps: number) => TimeGrid;
  /** Runs `f` with the EMA weights in place. */
  readonly withEma: <T>(f: () => T) => T;
  readonly samplers: readonly { readonly label: string; readonly spec: SamplerSpec }[];
  /** A sampler outside the registry (DDPM's ancestral chain), by steps: dataset coordinates. */
  readonly extra?: { readonly label: string; readonly sample: (steps: number, rows: number) => Float32Array };
}

const common: { label: string; spec: SamplerSpec }[] = [
  { label: 'euler-maruyama λ = 1', spec: { name: 'euler-maruyama', settings: { lambda: 1 } } },
  { label: 'euler-maruyama λ = 0', spec: { name: 'euler-maruyama', settings: { lambda: 0 } } },
  { label: 'heun', spec: { name: 'heun' } },
  { label: 'predictor-corrector (snr 0.16, 1 corrector step)', spec: { name: 'predictor-corrector' } },
];

async function diffflowSubject(run: string): Promise<Subject> {
  const { config, normalizer, model } = await orThrow(loadEmaRun(run));
  const tally = { calls: 0 };
  const m = diffusionModel(sde({ ...model.sde, drift: counted(model.sde.drift, tally) }), counted(model.score, tally));
  return {
    label: `DiffFlow (${run})`,
    model: m,
    normalizer,
    tally,
    probes: 2,
    grid: (steps) => fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta }),
    withEma: (f) => f(), // loadEmaRun's model holds the EMA weights
    samplers: common,
  };
}

async function ddpmSubject(run: string): Promise<Subject> {
  const c = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as Record<string, Record<string, number>> & { seed: number };
  const schedule = vpSchedule({ betaMin: c['ddpm']!['betaMin']!, betaMax: c['ddpm']!['betaMax']!, steps: c['ddpm']!['K']! });
  const network = fourierMlp({ ...ddpmEpsilonNetworkOptions({ dim: 2, hidden: c['diffflow']!['hidden']!, layers: c['diffflow']!['layers']! }), seed: c.seed });
  const d = c['ddpm']!;
  const trainer = createDdpmTrainer(
    network,
    schedule,
    { seed: 0, lr: d['lr']!, lrDecay: d['lrDecay']!, lrDecayEvery: d['lrDecayEvery']!, clip: d['clip']!, emaDecay: d['ema']!, tMin: d['lossTMin']!, time: 'continuous', maxRetries: 0 },
    () => {
      throw new Error('not training');
    },
  );
  const path = join(run, 'models', 'checkerboard-ddpm.bin');
  const ckpt = await resumeTrainer(trainer, path);
  const normalizer = decodeNormalizer(ckpt.meta['normalizer'], path);
  if (E.isLeft(normalizer)) throw new Error(`${path}: bad normalizer`);
  const tally = { calls: 0 };
  const model = ddpmModel(counted(network, tally), schedule);
  return {
    label: `DDPM (${run}, iteration ${trainer.iteration}, grid ${args['grid'] === 'log-snr' ? 'uniform in log-SNR' : 'uniform in t'})`,
    model,
    normalizer: normalizer.right,
    tally,
    probes: 1,
    grid: (steps) => (args['grid'] === 'log-snr' ? logSnrGrid(model.sde, { steps, tMin: 1e-3, tMax: 1 }) : fixedGrid({ steps, tMin: 1e-3, tMax: 1, beta: 1 })),
    withEma: (f) => trainer.ema.withAveraged(f),
    samplers: [
      ...common,
      ...[1, 2, 3].map((order) => ({ label: `dpm-solver order ${order}`, spec: { name: 'dpm-solver', settings: { order } } })),
      { label: 'dpm-solver-sde (2M)', spec: { name: 'dpm-solver-sde' } },
      { label: 'ddpm-ancestral (registry, on the grid)', spec: { name: 'ddpm-ancestral' } },
    ],
    extra: {
      label: 'ddpm ancestral (losses, strided N of K = 1000)',
      sample: (steps, rows) =>
        trainer.ema.withAveraged(() => {
          const s = ddpmAncestralSample(counted(network, tally), schedule, { n: rows, shape: [2], steps, seed: purposeSeed(0, 'ddpm-sample'), variance: 'beta' });
          const v = normalizer.right.denormalize(s.dataSync() as Float32Array);
          s.dispose();
          return v;
        }),
    },
  };
}

/** Samples in dataset coordinates and the network evaluations they took. */
function draw(s: Subject, spec: SamplerSpec, grid: TimeGrid, rows: number): { values: Float32Array; evaluations: number } {
  const before = s.tally.calls;
  const values = s.withEma(() => {
    const x = sampleWith(spec, s.model, { grid, n: rows, shape: [2], seed: purposeSeed(0, 'sample'), batchSize: rows }).samples;
    const v = s.normalizer.denormalize(x.dataSync() as Float32Array);
    x.dispose();
    return v;
  });
  return { values, evaluations: s.tally.calls - before - s.probes };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}`;

async function report(s: Subject): Promise<void> {
  console.log(`\n### ${s.label}: % inside the squares, ${n} samples (± ${(100 * Math.sqrt(0.25 / n)).toFixed(1)} at most, one standard error)\n`);
  console.log(`| sampler | ${stepsList.map((k) => `N = ${k}`).join(' | ')} |`);
  console.log(`|---|${stepsList.map(() => '---').join('|')}|`);
  const rows = [...s.samplers.map((x) => ({ label: x.label, run: (k: number) => insideSupport('checkerboard', draw(s, x.spec, s.grid(k), n).values) }))];
  if (s.extra !== undefined) {
    const extra = s.extra;
    rows.push({ label: extra.label, run: (k: number) => insideSupport('checkerboard', extra.sample(k, n)) });
  }
  for (const r of rows) {
    const cells = stepsList.map((k) => {
      try {
        return pct(r.run(k));
      } catch (e) {
        return `error: ${e instanceof Error ? e.message.slice(0, 40) : String(e)}`;
      }
    });
    console.log(`| ${r.label} | ${cells.join(' | ')} |`);
  }
  // rk45: adaptive on [t_0, T]
  const full = s.grid(1);
  console.log(`\n| rk45 on [t_0, T] | % inside | network calls per path |\n|---|---|---|`);
  for (const tol of [1e-2, 1e-3, 1e-5]) {
    const r = draw(s, { name: 'rk45', settings: { rtol: tol, atol: tol } }, full, n);
    console.log(`| rtol = atol = ${tol} | ${pct(insideSupport('checkerboard', r.values))} | ${r.evaluations} |`);
  }
  // cost: ms for timeRows points at N = timeSteps, interleaved rounds
  const costed = [...s.samplers.map((x) => ({ label: x.label, run: () => draw(s, x.spec, s.grid(timeSteps), timeRows).evaluations }))];
  costed.push({ label: 'rk45 rtol = atol = 1e-3 on [t_0, T]', run: () => draw(s, { name: 'rk45', settings: { rtol: 1e-3, atol: 1e-3 } }, full, timeRows).evaluations });
  if (s.extra !== undefined) {
    const extra = s.extra;
    costed.push({
      label: extra.label,
      run: () => {
        const before = s.tally.calls;
        extra.sample(timeSteps, timeRows);
        return s.tally.calls - before;
      },
    });
  }
  const times = costed.map(() => [] as number[]);
  const evals = costed.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    costed.forEach((c, k) => {
      const t0 = performance.now();
      evals[k] = c.run();
      times[k]!.push(performance.now() - t0);
    });
  }
  console.log(`\n| sampler (N = ${timeSteps}) | network calls per path | ms for ${timeRows.toLocaleString('en-US')} points (median of ${rounds}) |\n|---|---|---|`);
  costed.forEach((c, k) => {
    const sorted = [...times[k]!].sort((a, b) => a - b);
    console.log(`| ${c.label} | ${evals[k]} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} |`);
  });
}

const backend = await selectBackend({ quiet: true });
console.log(`backend ${backend.name}; ${new Date().toISOString()}; ${process.argv.slice(2).join(' ')}`);
if (args['diffflow'] !== undefined) await report(await diffflowSubject(args['diffflow']));
if (args['ddpm'] !== undefined) await report(await ddpmSubject(args['ddpm']));
tf.disposeVariables();
