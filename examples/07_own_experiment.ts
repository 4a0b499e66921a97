// An experiment of your own: a configuration (an io-ts codec and its defaults, every field a flag) and
// one command that decodes it strictly, opens a run folder (refusing another run's folder), trains
// DiffFlow while logging metrics.jsonl, and writes config.json, samples.npy, samples.png and
// summary.json. @diffflow/cli's runCli owns the exit codes: a bad flag is one `error:` line, exit 2.
// Run: npx tsx --conditions=@diffflow/source examples/07_own_experiment.ts --dataset=moons --out=/tmp/moons
//      (add --dryRun to print the decoded configuration and stop; --resume is refused: this command does not checkpoint)
import * as t from 'io-ts';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy, toyNames } from '@diffflow/datasets';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, variablesOf } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { adjointGradients, disposeGradientResult } from '@diffflow/adjoint';
import { sampleMarginal } from '@diffflow/likelihood';
import { flagsOf, intAtLeast, loadConfig, numberAbove, oneOf, orThrow, printDryRun, runCli, takeDryRun } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { scatterPng } from '@diffflow/figures';
import { iterations } from './budget.js';

/** The experiment's configuration: each field is a `--flag`, checked against its range. */
const Config = t.exact(t.type({ dataset: oneOf(toyNames), iters: intAtLeast(1), batchSize: intAtLeast(1), lr: numberAbove(0), seed: intAtLeast(0), out: t.string }));
type Config = t.TypeOf<typeof Config>;
const defaults: Config = { dataset: 'moons', iters: iterations(300), batchSize: 256, lr: 1e-2, seed: 0, out: 'runs/own-experiment' };

async function ownExperiment(argv: readonly string[]): Promise<void> {
  const { dryRun, argv: rest } = takeDryRun(argv);
  const config = await orThrow(loadConfig(Config, defaults, rest, flagsOf(Config)));
  if (dryRun) return printDryRun('own-experiment', config, flagsOf(Config));
  const run = await orThrow(openRunDir(config.out, { config, resume: false }));
  await orThrow(run.writeConfig(config));
  await selectBackend({ quiet: true });

  const drift = fourierMlp({ dim: 2, hidden: 32, seed: config.seed + 1, name: 'drift' });
  const score = fourierMlp({ dim: 2, hidden: 32, seed: config.seed + 2, name: 'score' });
  const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2), interval: [0, 0.05] }), score);
  const grid = fixedGrid({ steps: 10, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
  const adam = tf.train.adam(config.lr);
  const scale = 0.25; // the toys live in ≈ [−4, 4]²; the model sees ≈ [−1, 1]²
  for (let it = 0; it < config.iters; it++) {
    const x0 = tf.tidy(() => tf.mul(tf.tensor2d(sampleToy(config.dataset, config.batchSize, { seed: config.seed, iteration: it }), [config.batchSize, 2]), scale));
    const { loss, grads } = adjointGradients(model, x0, grid, forwardNoise(config.seed, it));
    adam.applyGradients(variablesOf(drift, score).map((v) => ({ name: v.name, tensor: grads[v.name] as tf.Tensor })));
    await orThrow(run.appendMetrics({ iteration: it, objective: loss.objective.dataSync()[0] }));
    disposeGradientResult({ loss, grads });
    x0.dispose();
  }

  const { samples } = sampleMarginal(model, { grid, lambda: 1, n: 2000, shape: [2], seed: config.seed });
  const points = Float32Array.from(samples.dataSync(), (v) => v / scale); // back to the dataset's coordinates
  samples.dispose();
  adam.dispose();
  drift.dispose();
  score.dispose();
  await orThrow(run.writeNpy('samples.npy', points, [2000, 2]));
  await orThrow(run.writePng('samples.png', scatterPng(points, { title: `${config.dataset}: DiffFlow samples` })));
  const mean = [0, 1].map((d) => points.filter((_, i) => i % 2 === d).reduce((a, b) => a + b, 0) / 2000);
  await orThrow(run.writeSummary({ iterations: config.iters, sampleMean: mean }));
  console.log(`${run.path}: ${config.iters} iterations, sample mean ${mean.map((m) => m.toFixed(3)).join(', ')}`);
}

await runCli(ownExperiment);
