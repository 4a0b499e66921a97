import * as E from 'fp-ts/lib/Either.js';
import { imageBitsPerDim, imageNegativeElboBitsPerDim } from '@diffflow/likelihood';
import { configInvalid, openRunDir } from '../io/index.js';
import { orExit, orExitSync } from '../cli_util.js';
import { disposeModel, loadImageSplits, purposeSeed, runGrid, seededSubset } from './model.js';
import { loadTrainedRun, runPathOf } from './sample.js';
import { exitDataset } from './cli_errors.js';

/** Flags of `images eval`. */
export const evalFlags = {
  run: 'string',
  n: 'int',
  solver: 'string',
  odeSteps: 'int',
  rtol: 'number',
  atol: 'number',
  probes: 'int',
  repeats: 'int',
  elboSteps: 'int',
  elboDraws: 'int',
  gridBeta: 'number',
  batch: 'int',
  seed: 'int',
  out: 'string',
} as const;

/** What `images eval` measures, all in bits/dim of the dequantised 8-bit held-out images. */
export interface ImagesEvalResult {
  readonly images: number;
  readonly ode: { readonly bitsPerDim: number; readonly standardError: number; readonly nfe: number; readonly seconds: number };
  readonly elbo: { readonly bitsPerDim: number; readonly steps: number; readonly draws: number; readonly seconds: number };
}

const intFlag = (flags: Record<string, unknown>, name: string, fallback: number, min: number): number => {
  const v = flags[name] ?? fallback;
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) orExitSync(E.left(configInvalid(`--${name}`, `must be an integer >= ${min}, got ${String(v)}`)));
  return v as number;
};

const positiveFlag = (flags: Record<string, unknown>, name: string, fallback: number): number => {
  const v = flags[name] ?? fallback;
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) orExitSync(E.left(configInvalid(`--${name}`, `must be a number > 0, got ${String(v)}`)));
  return v as number;
};

/**
 * Bits/dim of `--n` held-out images (a seeded subset) under a run's EMA model (dequantised 8-bit, x = 2(k + u)/256 − 1, +7 bits):
 * - the probability-flow ODE (λ = 0) from t_0 to T with Hutchinson's trace (--probes Rademacher
 *   probes, fixed per solve), adaptive RK45 (default; --rtol, --atol) or RK4 on the fixed grid with
 *   --odeSteps steps. Measured on the cpu preset's run: RK4 on its uniform 30-step grid said 0.68
 *   bits/dim where RK45 and RK4 on grids uniform in √t say 1.64, the first uniform step
 *   [t_0, 0.034] being far too coarse where the score changes fastest (README);
 * - the negative-ELBO bound of the discretised chain on the fixed grid with --elboSteps steps
 *   (default: the N the run ended training with).
 * Both fixed grids are uniform in t^β with β = --gridBeta (default: the run's grid exponent); β < 1
 * puts more points near t_0, where the score and the ODE change fastest.
 * Writes eval.json into --out (default `<run>/eval-…`).
 */
export async function evalImagesCommand(flags: Record<string, unknown>): Promise<void> {
  const runPath = runPathOf(flags);
  const solverFlag = flags['solver'] ?? 'rk45';
  if (solverFlag !== 'rk4' && solverFlag !== 'rk45') orExitSync(E.left(configInvalid('--solver', `must be one of rk4, rk45, got '${String(solverFlag)}'`)));
  const solver = solverFlag as 'rk4' | 'rk45';
  const n = intFlag(flags, 'n', 64, 1);
  const probes = intFlag(flags, 'probes', 1, 1);
  const repeats = intFlag(flags, 'repeats', 1, 1);
  const elboDraws = intFlag(flags, 'elboDraws', 1, 1);
  const batch = intFlag(flags, 'batch', 32, 1);
  const rtol = positiveFlag(flags, 'rtol', 1e-3);
  const atol = positiveFlag(flags, 'atol', 1e-3);
  const run = await loadTrainedRun(runPath);
  const { config } = run;
  const finalSteps = run.schedule.steps[run.schedule.switchAt.filter((s) => s <= Math.max(0, run.iteration - 1)).length] as number;
  const odeSteps = intFlag(flags, 'odeSteps', config.sampleSteps, 1);
  const elboSteps = intFlag(flags, 'elboSteps', finalSteps, 1);
  const seed = intFlag(flags, 'seed', config.seed, 0);
  const gridBeta = positiveFlag(flags, 'gridBeta', config.beta);
  const grid = (steps: number): readonly number[] => runGrid({ ...config, beta: gridBeta }, steps);
  const gridTag = gridBeta === config.beta ? '' : `-beta${gridBeta}`;
  const solverTag = solver === 'rk4' ? `rk4-N${odeSteps}` : `rk45-rtol${rtol}-atol${atol}`;
  const out = typeof flags['out'] === 'string' ? flags['out'] : `${runPath}/eval-n${n}-${solverTag}${gridTag}-K${probes}-seed${seed}`;
  const identity = { run: runPath, iteration: run.iteration, n, solver, odeSteps, rtol, atol, probes, repeats, elboSteps, elboDraws, gridBeta, seed };
  const dir = await orExit(openRunDir(out, { config: identity, resume: true }));
  await orExit(dir.writeConfig(identity));

  const loaded = await loadImageSplits(config)();
  if (E.isLeft(loaded)) {
    disposeModel(run.model);
    exitDataset(loaded.left);
  }
  // a seeded subset of the held-out split (the embedded MNIST digits are grouped by class)
  const heldOut = seededSubset(loaded.right.heldOut, n, seed, 'eval/images');
  const count = heldOut.n;
  const images = { pixels: heldOut.images, shape: [config.size, config.size, heldOut.channels] };

  const odeStart = performance.now();
  const ode = imageBitsPerDim(run.model, images, {
    grid: grid(odeSteps),
    solver,
    rtol,
    atol,
    trace: { kind: 'hutchinson', probes, seed: purposeSeed(seed, 'eval/probes') },
    scaling: 'minusOneOne',
    seed: purposeSeed(seed, 'eval/dequantize'),
    repeats,
    batchSize: batch,
  });
  const odeSeconds = (performance.now() - odeStart) / 1000;
  console.error(`[images] ODE (Hutchinson, K = ${probes}, ${solver}): ${ode.bitsPerDim.toFixed(3)} ± ${ode.standardError.toFixed(3)} bits/dim on ${count} held-out images, ${ode.nfe} evaluations, ${odeSeconds.toFixed(0)} s`);
  const elboStart = performance.now();
  const elbo = imageNegativeElboBitsPerDim(run.model, images, {
    grid: grid(elboSteps),
    scaling: 'minusOneOne',
    seed: purposeSeed(seed, 'eval/elbo'),
    draws: elboDraws,
    repeats,
    batchSize: batch,
  });
  const elboSeconds = (performance.now() - elboStart) / 1000;
  console.error(`[images] negative ELBO (N = ${elboSteps}): ≤ ${elbo.bitsPerDim.toFixed(3)} bits/dim, ${elboSeconds.toFixed(0)} s`);
  const result: ImagesEvalResult = {
    images: count,
    ode: { bitsPerDim: ode.bitsPerDim, standardError: ode.standardError, nfe: ode.nfe, seconds: odeSeconds },
    elbo: { bitsPerDim: elbo.bitsPerDim, steps: elboSteps, draws: elboDraws, seconds: elboSeconds },
  };
  await orExit(dir.writeJson('eval.json', { ...identity, iteration: run.iteration, data: config.data, forward: config.forward, units: 'bits/dim, dequantised 8-bit held-out images', ...result }));
  disposeModel(run.model);
}
