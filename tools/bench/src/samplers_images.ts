/**
 * Samplers compared on trained image checkpoints (the images experiment): FD-LeNet and class coverage
 * against the number of steps N, for each sampler of @diffflow/likelihood's registry, with the cost
 * (U-Net evaluations per image, seconds for the samples on one thread).
 *
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/samplers_images.ts \
 *     --run=<images:train run> --model=ddpm|diffflow --classifier=<images:classifier folder> \
 *     [--samplers=em1,em0,heun,pc,dpm1,dpm2,dpm3,sde,ancestral,rk45,rk45loose] [--steps=5,10,20,50] [--n=500] [--seed=S] [--out=rows.jsonl]
 *     [--grid=run|log-snr]   (log-snr: N steps uniform in the SDE's half log-SNR over [tMin, T], sde-core's `logSnrGrid`; fixed-drift SDEs only)
 *
 * `--model=diffflow` samples the run's model as it is (learned drift f_θ and score: two U-Nets per
 * drift evaluation). `--model=ddpm` reads the run's ε-U-Net as images:compare's DDPM baseline does
 * (`ddpmSamplingModel`: the VP SDE and s = −ε_θ/σ(t), no f_θ) — for a DDPM baseline's run, or a vp run
 * whose checkpoint is still inside its score warm-up (f_θ ≡ 0 there, so both readings are the same
 * model and the DDPM one costs one U-Net per step instead of two).
 *
 * Every cell draws `--n` images with the run's seed (or `--seed`: the same prior draws for every sampler and N) on
 * the run's fixed grid (uniform in t^β over [tMin, T]), one thread, and scores them against the run's
 * held-out images with the run's classifier, exactly as images:compare does. Each row is printed as a
 * markdown table row and appended as a JSON line to `--out` as soon as it is measured (a long run can
 * be read while it goes and loses nothing when stopped).
 */
import { appendFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { diffusionModel, logSnrGrid, sde, type VectorField } from '@diffflow/sde-core';
import type { SamplerSpec } from '@diffflow/likelihood';
import { orThrow } from '@diffflow/cli';
import { fdLenet, splitReference } from '@diffflow/metrics';
import { ddpmSamplingModel, ddpmSamplingPool, imagesPool, loadImagesClassifier, loadTrainedRun, runGrid, sampleImages, type ImageModel } from '@diffflow/experiment-images';
import { loadImageSplits } from '@diffflow/datasets';

/** The samplers by a short key (the --samplers list): label and spec. */
export const imageSamplers: Readonly<Record<string, { readonly label: string; readonly spec: SamplerSpec }>> = {
  em1: { label: 'euler-maruyama λ = 1', spec: { name: 'euler-maruyama', settings: { lambda: 1 } } },
  em0: { label: 'euler-maruyama λ = 0', spec: { name: 'euler-maruyama', settings: { lambda: 0 } } },
  heun: { label: 'heun', spec: { name: 'heun' } },
  pc: { label: 'predictor-corrector (snr 0.16, 1 corrector step)', spec: { name: 'predictor-corrector' } },
  dpm1: { label: 'dpm-solver order 1 (DDIM)', spec: { name: 'dpm-solver', settings: { order: 1 } } },
  dpm2: { label: 'dpm-solver order 2', spec: { name: 'dpm-solver', settings: { order: 2 } } },
  dpm3: { label: 'dpm-solver order 3', spec: { name: 'dpm-solver', settings: { order: 3 } } },
  ancestral: { label: 'ddpm-ancestral', spec: { name: 'ddpm-ancestral' } },
  sde: { label: 'dpm-solver-sde (2M)', spec: { name: 'dpm-solver-sde' } },
  // one adaptive solve of the probability-flow ODE: give it --steps=1 (the grid [tMin, T]); its own steps are its evaluations
  rk45: { label: 'rk45 rtol = atol = 1e-3', spec: { name: 'rk45', settings: { rtol: 1e-3, atol: 1e-3 } } },
  rk45loose: { label: 'rk45 rtol = atol = 1e-2', spec: { name: 'rk45', settings: { rtol: 1e-2, atol: 1e-2 } } },
};

/** A field that counts its calls (each call is one U-Net evaluation on a batch). */
function counted(field: VectorField, tally: { calls: number }): VectorField {
  return { ...field, apply: (x, t) => (tally.calls++, field.apply(x, t)) };
}

/** The model with its learned fields counted: DiffFlow's drift (f_θ inside it) and score; DDPM's score (ε-U-Net). */
function countedModel(model: ImageModel, learnedDrift: boolean, tally: { calls: number }): ImageModel {
  const forward = learnedDrift ? sde({ ...model.sde, drift: counted(model.sde.drift, tally) }) : model.sde;
  return { ...model, ...diffusionModel(forward, counted(model.score, tally)) };
}

async function main(): Promise<void> {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
  const runPath = args['run'];
  const kind = args['model'];
  const classifierDir = args['classifier'];
  if (runPath === undefined || (kind !== 'ddpm' && kind !== 'diffflow') || classifierDir === undefined) {
    throw new RangeError('samplers_images: --run=<images run>, --model=ddpm|diffflow and --classifier=<folder> are required');
  }
  const keys = (args['samplers'] ?? 'em1,em0,heun,dpm2,dpm3').split(',');
  for (const k of keys) if (imageSamplers[k] === undefined) throw new RangeError(`samplers_images: --samplers: unknown '${k}' (allowed: ${Object.keys(imageSamplers).join(', ')})`);
  const stepsList = (args['steps'] ?? '5,10,20,50').split(',').map(Number);
  const n = Number(args['n'] ?? 500);
  const out = args['out'];
  const seedArg = args['seed'];
  const gridKind = args['grid'] ?? 'run';
  if (gridKind !== 'run' && gridKind !== 'log-snr') throw new Error(`--grid must be 'run' or 'log-snr', got '${gridKind}'`);

  const backend = await selectBackend();
  const run = await loadTrainedRun(runPath);
  const { config, channels } = run;
  // the samplers' noise and prior draws (default the run's seed); the FD reference stays the run's
  const seed = seedArg === undefined ? config.seed : Number(seedArg);
  const base = kind === 'ddpm' ? ddpmSamplingModel(run.model) : run.model;
  const tally = { calls: 0 };
  const model = countedModel(base, kind === 'diffflow', tally);
  // one thread: the pool computes in this process with the model it is given (the counted one)
  const pool = kind === 'ddpm' ? await ddpmSamplingPool(config, channels, 1) : await imagesPool(config, channels, 1);
  const classifier = await loadImagesClassifier(config, classifierDir);
  const splits = await orThrow(loadImageSplits(config));
  const reference = splitReference(classifier.classifier, splits, n, config.seed);
  const batches = Math.ceil(n / 64); // imageSampleRequest's batch size
  const probes = kind === 'ddpm' ? 1 : 2; // the sampler shell's one shape check per learned field and draw
  console.error(
    `[samplers_images] ${kind} reading of ${runPath} (iteration ${run.iteration}), ${config.data} ${config.size}×${config.size}×${channels}, ${n} samples per cell, seed ${seed}, ` +
      `grid ${gridKind === 'log-snr' ? 'uniform in log-SNR' : "the run's"}, backend ${backend.name}, one thread; floor (FD of ${reference.floorImages} training images): ${reference.floor.toFixed(3)}`,
  );
  console.log('| sampler | N | FD-LeNet | coverage (entropy / log 10, classes) | U-Net evaluations per image | s for the samples |');
  console.log('|---|---:|---:|---|---:|---:|');
  for (const key of keys) {
    const { label, spec } = imageSamplers[key]!;
    for (const steps of stepsList) {
      const before = tally.calls;
      const t0 = performance.now();
      const grid = gridKind === 'log-snr' ? logSnrGrid(model.sde, { steps, tMin: config.tMin, tMax: config.T }) : runGrid(config, steps);
      const bytes = await sampleImages(pool, model, config, grid, n, seed, spec);
      const seconds = (performance.now() - t0) / 1000;
      // DiffFlow's drift and score are separate counted calls; a DDPM call is one ε-U-Net
      const evaluations = (tally.calls - before - probes) / batches;
      const q = fdLenet(classifier.classifier, { images: bytes, n, height: config.size, width: config.size, channels }, reference);
      const classes = 10 - q.coverage.missing.length;
      console.log(`| ${label} | ${steps} | ${q.fd.toFixed(2)} | ${q.coverage.entropyFraction.toFixed(3)} (${classes}/10) | ${evaluations.toFixed(0)} | ${seconds.toFixed(1)} |`);
      if (out !== undefined) {
        appendFileSync(
          out,
          `${JSON.stringify({ run: runPath, iteration: run.iteration, model: kind, sampler: key, label, spec, steps, grid: gridKind, n, seed, fd: q.fd, floor: q.floor, coverage: q.coverage.entropyFraction, classes, evaluations, seconds, date: new Date().toISOString() })}\n`,
        );
      }
    }
  }
  await pool.dispose();
  classifier.classifier.dispose();
  console.error(`[samplers_images] done; tensors left: ${tf.memory().numTensors}`);
}

await main();
