import * as tf from '@tensorflow/tfjs-core';
import { forwardNoise, forwardSnapshots, purposeSeed } from '@diffflow/sde-core';
import { trajectoryKl } from '@diffflow/losses';
import { defaultSamplerName, type SamplerSpec, type SettingValue } from '@diffflow/likelihood';
import { hasKnownSupport, insideSupport, normalizerLogDet, toyLabels, type Normalizer } from '@diffflow/datasets';
import type { GradientStrategyName } from '@diffflow/adjoint';
import { dataParallel, poolThreads, type DataParallel, type DataParallelOptions } from '@diffflow/parallel';
import { trainRun, withPool } from '@diffflow/experiment';
import type { BackendInfo } from '@diffflow/backend';
import { orThrow, constantGTrainerConfig } from '@diffflow/cli';
import type { RunDir } from '@diffflow/runs';
import { panelsPng, scatterPng } from '@diffflow/figures';
import { createTrainer, disposeModel, type Trainer } from '@diffflow/training';
import type { Toy2dConfig } from './config.js';
import { heldOutPoints, sampleToy2dData, toy2dData, toy2dDataName, toyBatch, toyBounds, toyModel, toyModelSpec, toyNormalizer, type Toy2dData } from './model.js';

export { CHECKPOINT_FILE as CHECKPOINT } from '@diffflow/experiment';

export { toyBounds };

/**
 * The sampler of a run's final samples: `config.sampler` with `settings` (toy2d:train's setting flags,
 * checked against that sampler by the command line), euler-maruyama with λ = `config.sampleLambda`.
 */
export function finalSampler(config: Pick<Toy2dConfig, 'sampler' | 'sampleLambda'>, settings: Readonly<Record<string, SettingValue>> = {}): SamplerSpec {
  return config.sampler === defaultSamplerName ? { name: config.sampler, settings: { ...settings, lambda: config.sampleLambda } } : { name: config.sampler, settings };
}

/**
 * The options of the toy2d model's pool (@diffflow/parallel) on `threads` threads, built from
 * {@link toyModelSpec}: `threads − 1` workers and this thread; one thread (`workers` 1) computes
 * in-process with no worker.
 * @param threads default `poolThreads(config.workers)` (`workers` 0: one per core)
 */
export function toyPoolOptions(config: Pick<Toy2dConfig, 'hidden' | 'layers' | 'g' | 'seed' | 'T' | 'workers'> & { readonly strategy: GradientStrategyName }, threads = poolThreads(config.workers)): DataParallelOptions {
  return { spec: toyModelSpec(config), strategy: config.strategy, threads };
}

/** The pool of {@link toyPoolOptions}, started; the caller disposes it. */
export const toyPool = (...args: Parameters<typeof toyPoolOptions>): Promise<DataParallel> => dataParallel(toyPoolOptions(...args));

/**
 * Samples with the EMA weights by `sampler` (default euler-maruyama: λ = sde-core's `defaultLambda`,
 * the Tweedie last step) on the fixed grid, split across `pool`'s threads (each row keyed by
 * `purposeSeed(seed, 'sample')` and its index: the same samples on one thread or many); dataset coordinates.
 */
export function drawSamples(pool: DataParallel, trainer: Trainer, normalizer: Normalizer, n: number, seed: number, steps?: number, sampler: SamplerSpec = { name: defaultSamplerName }): Float32Array {
  return trainer.ema.withAveraged(() => {
    const samples = pool.sampleSync(trainer.model, { grid: trainer.evaluationGrid(steps), n, shape: [2], seed: purposeSeed(seed, 'sample'), sampler });
    const values = samples.dataSync() as Float32Array;
    samples.dispose();
    return normalizer.denormalize(values);
  });
}

/** Forward trajectory strip (data → noise) at 5 times (sde-core's `forwardSnapshots`, EMA drift), points coloured by mode (a toy's components; a cloud in one colour), in model coordinates. */
export function trajectoryStrip(trainer: Trainer, config: Toy2dConfig, normalizer: Normalizer): Buffer {
  const data = toy2dData(config);
  const raw = sampleToy2dData(data, 2000, { seed: purposeSeed(config.seed, 'strip'), iteration: 0 });
  const labels = typeof data === 'string' ? toyLabels(data, raw) : undefined;
  const { sde } = trainer.model;
  const snaps = trainer.ema.withAveraged(() => {
    const x0 = tf.tensor2d(normalizer.normalize(raw), [2000, 2]);
    try {
      return forwardSnapshots((x, t) => sde.drift.apply(x, t), sde.diffusion, x0, trainer.evaluationGrid(), forwardNoise(purposeSeed(config.seed, 'strip'), 0), 5);
    } finally {
      x0.dispose();
    }
  });
  const panels = snaps.states.map((s, i) =>
    scatterPng(s, { size: 240, bounds: [-4, 4, -4, 4], ...(labels === undefined ? {} : { labels }), title: `forward, t = ${Number((snaps.times[i] ?? Number.NaN).toPrecision(2))}`, xLabel: 'x1 (normalised)', yLabel: 'x2' }),
  );
  return panelsPng(panels, { columns: panels.length, gap: 6 });
}

/** Negative ELBO (nats per sample) of held-out points under the EMA model, fixed grid. */
export function heldOutBound(trainer: Trainer, config: Toy2dConfig, normalizer: Normalizer, n = 5000): number {
  const raw = heldOutPoints(toy2dData(config), config.seed, n);
  return trainer.ema.withAveraged(() =>
    tf.tidy(() => {
      const x0 = tf.tensor2d(normalizer.normalize(raw), [n, 2]);
      const l = trajectoryKl(trainer.model, x0, trainer.evaluationGrid(), forwardNoise(purposeSeed(config.seed, 'test-noise'), 0));
      return l.bound.dataSync()[0] as number;
    }),
  ) - normalizerLogDet(normalizer); // nats in model coordinates → the dataset's own coordinates
}

/** Fraction of samples inside the data set's support (`insideSupport` of @diffflow/datasets); null where it has no known support (a cloud, 2spirals, pinwheel). */
export function insideFraction(data: Toy2dData, samples: Float32Array): number | null {
  return typeof data === 'string' && hasKnownSupport(data) ? insideSupport(data, samples) : null;
}

/**
 * Trains DiffFlow on a 2-D distribution and writes the run folder: config.json, metrics.jsonl,
 * checkpoint.bin, summary.json, samples.npy (dataset coordinates, by `sampler`: default
 * {@link finalSampler} of the configuration), samples.png, data.png, trajectory.png.
 */
export async function trainToy2d(config: Toy2dConfig, run: RunDir, backend: BackendInfo, sampler: SamplerSpec = finalSampler(config)): Promise<void> {
  await withPool(toyPoolOptions(config), async (pool) => {
    const dataset = toy2dData(config);
    const normalizer = toyNormalizer(dataset, config.seed);
    const model = toyModel(config);
    const trainer = createTrainer(model, { ...constantGTrainerConfig(config), gradients: pool.gradientsSync }, (it) => toyBatch(dataset, normalizer, config.seed, config.batchSize, it));
    const meta = () => ({ config, normalizer: normalizer.toJSON(), backend: backend.name });
    const { trainSeconds, msMedian, lossMean } = await trainRun(trainer, { name: 'toy2d', label: `toy2d ${toy2dDataName(dataset)}`, run, config, backend, meta });

    const sampleStart = performance.now();
    const samples = drawSamples(pool, trainer, normalizer, config.samples, config.seed, undefined, sampler);
    const samplingMs = performance.now() - sampleStart;
    const data = sampleToy2dData(dataset, config.samples, { seed: purposeSeed(config.seed, 'plot-data'), iteration: 0 });
    const bounds = toyBounds(data);
    await orThrow(run.writeNpy('samples.npy', samples, [config.samples, 2]));
    await orThrow(run.writePng('samples.png', scatterPng(samples, { size: 480, bounds, title: `${config.dataset}: samples (EMA model)`, xLabel: 'x1', yLabel: 'x2' })));
    await orThrow(run.writePng('data.png', scatterPng(data, { size: 480, bounds, title: `${config.dataset}: data`, xLabel: 'x1', yLabel: 'x2' })));
    await orThrow(run.writePng('trajectory.png', trajectoryStrip(trainer, config, normalizer)));
    const insideSupport = insideFraction(dataset, samples);
    const heldOutNegativeElbo = heldOutBound(trainer, config, normalizer);
    const [threads, msPerIterationMedian, iterations] = [pool.shards, msMedian(), trainer.iteration];
    await orThrow(
      run.writeSummary({
        dataset: config.dataset, iterations, backend: backend.name, trainSeconds, msPerIterationMedian, trainBoundLast50: lossMean(50), heldOutNegativeElbo,
        units: 'nats per sample, in the dataset coordinates (negative ELBO, fixed grid, EMA weights)',
        samples: config.samples, samplingMs, sampler, sampleLambda: config.sampleLambda, insideSupport, threads,
      }),
    );
    console.error(
      `[toy2d] ${iterations} iterations in ${trainSeconds.toFixed(0)} s (median ${msPerIterationMedian?.toFixed(0) ?? '–'} ms on ${threads} thread${threads > 1 ? 's' : ''}); ` +
        `held-out −ELBO ${heldOutNegativeElbo.toFixed(4)} nats; ${config.samples} samples (${config.sampler === defaultSamplerName ? `λ = ${config.sampleLambda}` : config.sampler}) in ${(samplingMs / 1000).toFixed(1)} s` +
        (insideSupport === null ? '' : `, ${(100 * insideSupport).toFixed(1)} % inside the support`),
    );
    trainer.dispose();
    disposeModel(model);
    console.error(`[toy2d] done: ${run.path}`);
  });
}
