// An experiment of your own: a configuration (an io-ts codec and its defaults, every field a flag) and
// one command that decodes it strictly, opens a run folder (refusing another run's folder), trains
// DiffFlow with the library's trainer through @diffflow/experiment's trainRun (config.json,
// metrics.jsonl, checkpoint.bin, --resume), and writes samples.npy, samples.png and summary.json.
// @diffflow/cli's runCli owns the exit codes: a bad flag is one `error:` line, exit 2.
// Run: npx tsx --conditions=@diffflow/source examples/07_own_experiment.ts --dataset=moons --out=/tmp/moons
//      (add --dryRun to print the decoded configuration and stop; --resume --iters=600 to train on)
import * as t from 'io-ts';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy, toyNames } from '@diffflow/datasets';
import { constantDiffusion, diffflowSde, diffusionModel } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { sampleMarginal } from '@diffflow/likelihood';
import { createTrainer } from '@diffflow/training';
import { flagsOf, intAtLeast, loadConfig, numberAbove, oneOf, orThrow, printDryRun, runCli, takeDryRun } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { trainRun } from '@diffflow/experiment';
import { scatterPng } from '@diffflow/figures';
import { iterations } from './budget.js';

/** The experiment's configuration: each field is a `--flag`, checked against its range. */
const Config = t.exact(
  t.type({ dataset: oneOf(toyNames), iters: intAtLeast(1), batchSize: intAtLeast(1), lr: numberAbove(0), seed: intAtLeast(0), checkpointEvery: intAtLeast(1), resume: t.boolean, out: t.string }),
);
type Config = t.TypeOf<typeof Config>;
const defaults: Config = { dataset: 'moons', iters: iterations(300), batchSize: 256, lr: 1e-2, seed: 0, checkpointEvery: 100, resume: false, out: 'runs/own-experiment' };

async function ownExperiment(argv: readonly string[]): Promise<void> {
  const { dryRun, argv: rest } = takeDryRun(argv);
  const config = await orThrow(loadConfig(Config, defaults, rest, flagsOf(Config)));
  if (dryRun) return printDryRun('own-experiment', config, flagsOf(Config));
  // the identity of a run: everything but how far it trains (--resume with a larger --iters trains on)
  const run = await orThrow(openRunDir(config.out, { config, resume: config.resume, nonIdentity: ['out', 'resume', 'iters'] }));
  const backend = await selectBackend({ quiet: true });

  const drift = fourierMlp({ dim: 2, hidden: 32, seed: config.seed + 1, name: 'drift' });
  const score = fourierMlp({ dim: 2, hidden: 32, seed: config.seed + 2, name: 'score' });
  const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2), interval: [0, 0.05] }), score);
  const scale = 0.25; // the toys live in ≈ [−4, 4]²; the model sees ≈ [−1, 1]²
  const batch = (it: number) => tf.tidy(() => tf.mul(tf.tensor2d(sampleToy(config.dataset, config.batchSize, { seed: config.seed, iteration: it }), [config.batchSize, 2]), scale));
  const time = { steps: 10, tMin: 1e-3, tMax: 0.05, beta: 0.9, flexible: false };
  const trainer = createTrainer(model, { seed: config.seed, lr: config.lr, lrDecay: 1, lrDecayEvery: 1000, clip: 0, emaDecay: 0.99, maxRetries: 2, strategy: 'adjoint', time }, batch);
  const { msMedian } = await trainRun(trainer, { name: 'own-experiment', label: config.dataset, run, config, backend, meta: () => ({ config }) });

  const n = 2000;
  const { samples } = trainer.ema.withAveraged(() => sampleMarginal(model, { grid: trainer.evaluationGrid(), lambda: 1, n, shape: [2], seed: config.seed }));
  const points = Float32Array.from(samples.dataSync(), (v) => v / scale); // back to the dataset's coordinates
  samples.dispose();
  trainer.dispose();
  drift.dispose();
  score.dispose();
  await orThrow(run.writeNpy('samples.npy', points, [n, 2]));
  await orThrow(run.writePng('samples.png', scatterPng(points, { title: `${config.dataset}: DiffFlow samples (EMA weights)` })));
  const mean = [0, 1].map((d) => points.filter((_, i) => i % 2 === d).reduce((a, b) => a + b, 0) / n);
  await orThrow(run.writeSummary({ iterations: trainer.iteration, msPerIterationMedian: msMedian(), sampleMean: mean }));
  console.log(`${run.path}: ${trainer.iteration} iterations, sample mean ${mean.map((m) => m.toFixed(3)).join(', ')}`);
}

await runCli(ownExperiment);
