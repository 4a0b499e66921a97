import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { defaultLambda, purposeSeed } from '@diffflow/sde-core';
import { imageBitsPerDim, imageNegativeElboBitsPerDim } from '@diffflow/likelihood';
import { configInvalid, documented, fail, intAtLeast, numberAbove, oneOf, orThrow } from '@diffflow/cli';
import { openHeldOutDir, withPool } from '@diffflow/experiment';
import { loadImageSplits, seededImages } from '@diffflow/datasets';
import { runGrid } from './model.js';
import { disposeModel } from '@diffflow/training';
import { loadTrainedRun, runPathOf } from './sample.js';
import { poolThreads } from '@diffflow/parallel';
import { imagesPoolOptions, sampleImages } from './train.js';
import { FD_LENET_NOTE, fdLenet, splitReference, type FdLenetReport } from '@diffflow/metrics';
import { classifierCommandFor, classifierDir, hasClassifier, loadImagesClassifier } from './classifier.js';

/** The flags of `images eval`, every one optional (defaults: {@link imagesEvalDefaults}, else the run's), each checked against its range. */
export const EvalFlags = t.exact(
  t.partial({
    run: documented(t.string, 'The training run folder (holds checkpoint.bin).', "the cpu MNIST run's default folder"),
    n: documented(intAtLeast(1), 'Held-out images (a seeded subset).'),
    solver: documented(oneOf(['rk45', 'rk4'] as const), 'ODE solver of the NLL: adaptive RK45, or RK4 on the fixed grid with --odeSteps steps.'),
    odeSteps: documented(intAtLeast(1), 'Steps of RK4 (--solver=rk4).', "the run's --sampleSteps"),
    rtol: documented(numberAbove(0), 'Relative tolerance of rk45.'),
    atol: documented(numberAbove(0), 'Absolute tolerance of rk45.'),
    probes: documented(intAtLeast(1), 'Hutchinson probes per solve.'),
    repeats: documented(intAtLeast(1), 'Solves averaged.'),
    elboSteps: documented(intAtLeast(1), "N of the negative-ELBO chain.", 'the N the run ended training with'),
    elboDraws: documented(intAtLeast(1), 'Forward-noise draws of the negative ELBO.'),
    gridBeta: documented(numberAbove(0), 'Grid exponent β of both fixed grids.', "the run's --beta"),
    batchSize: documented(intAtLeast(1), 'Images per batch of the evaluation (--batchSize: Nx takes --batch for itself).'),
    seed: documented(intAtLeast(0), 'Seed of the subset, the probes and the dequantisation.', "the run's"),
    out: documented(t.string, 'Output folder.', '<run>/eval-… named by the options'),
    fdSamples: documented(
      intAtLeast(0),
      'FD-LeNet: samples drawn from the run (its sampleSteps, λ = 1, Tweedie last step, the same keys as images:sample --seed) and scored against the held-out images; 0 skips it.',
    ),
    classifier: documented(t.string, "The LeNet classifier folder (images:classifier); when it is missing FD-LeNet is skipped with a note.", "the run's split's, runs/classifiers/lenet-<data>-v1"),
  }),
);

/** Defaults of the `images eval` flags that do not come from the run. */
export const imagesEvalDefaults = { n: 64, solver: 'rk45', rtol: 1e-3, atol: 1e-3, probes: 1, repeats: 1, elboDraws: 1, batchSize: 32, fdSamples: 500 } as const;
export type EvalFlags = t.TypeOf<typeof EvalFlags>;

/** What `images eval` measures, all in bits/dim of the dequantised 8-bit held-out images. */
export interface ImagesEvalResult {
  readonly images: number;
  readonly ode: { readonly bitsPerDim: number; readonly standardError: number; readonly nfe: number; readonly seconds: number };
  readonly elbo: { readonly bitsPerDim: number; readonly steps: number; readonly draws: number; readonly seconds: number };
  /** FD-LeNet of `fdSamples` samples vs the held-out images, its floor and class coverage; null when skipped (`fdLenetSkipped` says why). */
  readonly fdLenet: (FdLenetReport & { readonly steps: number; readonly lambda: number; readonly sampler: string; readonly classifier: string; readonly classifierHeldOutAccuracy: number; readonly seconds: number; readonly note: string }) | null;
  readonly fdLenetSkipped?: string;
}

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
 * - FD-LeNet (unless --fdSamples=0): --fdSamples samples (default 500) at the run's sampleSteps,
 *   λ = 1, against all held-out images, in the features of the split's classifier (`images
 *   classifier`), with the floor (as many training images against the same held-out images) and
 *   the class coverage of the samples. Not the paper's Inception FID; not comparable to it.
 * Writes eval.json into --out (default `<run>/eval-…`).
 */
export async function evalImagesCommand(flags: EvalFlags): Promise<void> {
  const runPath = runPathOf(flags);
  const { solver, n, probes, repeats, elboDraws, batchSize: batch, rtol, atol, fdSamples } = { ...imagesEvalDefaults, ...flags };
  if (fdSamples === 1) return fail(configInvalid('--fdSamples', 'must be 0 (skip FD-LeNet) or at least 2 (a covariance needs two samples), got 1'));
  const run = await loadTrainedRun(runPath);
  const { config } = run;
  // the classifier is checked before any long computation: a bad file fails at once, naming it
  const classifierPath = flags.classifier ?? classifierDir(config);
  const fdSkipped =
    fdSamples === 0
      ? '--fdSamples=0'
      : flags.classifier === undefined && !hasClassifier(classifierPath)
        ? `no classifier at ${classifierPath}; make it with: ${classifierCommandFor(config)}`
        : undefined;
  const lenetClassifier = fdSkipped === undefined ? await loadImagesClassifier(config, classifierPath) : undefined;
  const finalSteps = run.schedule.steps[run.schedule.switchAt.filter((s) => s <= Math.max(0, run.iteration - 1)).length] as number;
  const odeSteps = flags.odeSteps ?? config.sampleSteps;
  const elboSteps = flags.elboSteps ?? finalSteps;
  const seed = flags.seed ?? config.seed;
  const gridBeta = flags.gridBeta ?? config.beta;
  const grid = (steps: number): readonly number[] => runGrid({ ...config, beta: gridBeta }, steps);
  const gridTag = gridBeta === config.beta ? '' : `-beta${gridBeta}`;
  const solverTag = solver === 'rk4' ? `rk4-N${odeSteps}` : `rk45-rtol${rtol}-atol${atol}`;
  const identity = { run: runPath, iteration: run.iteration, n, solver, odeSteps, rtol, atol, probes, repeats, elboSteps, elboDraws, gridBeta, seed };
  const dir = await openHeldOutDir(flags.out ?? `${runPath}/eval-n${n}-${solverTag}${gridTag}-K${probes}-seed${seed}`, identity);
  const loaded = await loadImageSplits(config)();
  if (E.isLeft(loaded)) {
    disposeModel(run.model);
    lenetClassifier?.classifier.dispose();
    return fail(loaded.left);
  }
  // a seeded subset of the held-out split (the embedded MNIST digits are grouped by class)
  const heldOut = seededImages(loaded.right.heldOut, n, seed, 'eval/images');
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
  let fd: ImagesEvalResult['fdLenet'] = null;
  if (lenetClassifier !== undefined) {
    const { classifier, info, dir: classifierFolder } = lenetClassifier;
    const fdStart = performance.now();
    const steps = config.sampleSteps;
    const grid = runGrid(config, steps);
    const bytes = await withPool(imagesPoolOptions(config, run.channels, poolThreads(0)), (pool) => sampleImages(pool, run.model, config, grid, fdSamples, seed, { name: config.sampler }));
    const reference = splitReference(classifier, loaded.right, fdSamples, seed);
    const report = fdLenet(classifier, { images: bytes, n: fdSamples, height: config.size, width: config.size, channels: run.channels }, reference);
    classifier.dispose();
    const seconds = (performance.now() - fdStart) / 1000;
    const cov = report.coverage;
    fd = { ...report, steps, lambda: defaultLambda, sampler: config.sampler, classifier: classifierFolder, classifierHeldOutAccuracy: Number(info['heldOutAccuracy']), seconds, note: FD_LENET_NOTE };
    console.error(
      `[images] FD-LeNet: ${report.fd.toFixed(3)} for ${report.samples} samples (N = ${steps}, ${config.sampler === 'euler-maruyama' ? `λ = ${defaultLambda}` : config.sampler}) vs ${report.heldOut} held-out images; floor ${report.floor.toFixed(3)} (${report.samples} training images vs the same held-out images); class coverage ${10 - cov.missing.length}/10 classes, entropy ${cov.entropy.toFixed(3)} nats = ${cov.entropyFraction.toFixed(3)} of log 10; ${seconds.toFixed(0)} s`,
    );
    console.error(`[images] ${FD_LENET_NOTE}`);
  } else {
    console.error(`[images] FD-LeNet skipped: ${fdSkipped}`);
  }
  const result: ImagesEvalResult = {
    images: count,
    ode: { bitsPerDim: ode.bitsPerDim, standardError: ode.standardError, nfe: ode.nfe, seconds: odeSeconds },
    elbo: { bitsPerDim: elbo.bitsPerDim, steps: elboSteps, draws: elboDraws, seconds: elboSeconds },
    fdLenet: fd,
    ...(fdSkipped === undefined ? {} : { fdLenetSkipped: fdSkipped }),
  };
  await orThrow(dir.writeJson('eval.json', { ...identity, iteration: run.iteration, data: config.data, forward: config.forward, units: 'bits/dim, dequantised 8-bit held-out images (fdLenet: squared LeNet feature units)', ...result }));
  disposeModel(run.model);
}
