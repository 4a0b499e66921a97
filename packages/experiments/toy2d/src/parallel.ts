import { defaultSamplerName, type SamplerSpec } from '@diffflow/likelihood';
import type { GradientStrategyName } from '@diffflow/adjoint';
import type { ModelSpec } from '@diffflow/networks';
import { dataParallel, poolThreads, type DataParallel } from '@diffflow/parallel';
import { purposeSeed } from '@diffflow/sde-core';
import type { Normalizer } from '@diffflow/datasets';
import { type Trainer } from '@diffflow/training';
import type { Toy2dConfig } from './config.js';

/**
 * The toy2d model as a {@link ModelSpec} of @diffflow/parallel: the parts `toyModel` composes (two
 * Fourier-time MLPs named 'drift' and 'score', DiffFlow with constant g on [0, T]), so a worker
 * rebuilds it with the same parameters, names and initial weights.
 */
export function toyModelSpec(config: Pick<Toy2dConfig, 'hidden' | 'layers' | 'g' | 'seed' | 'T'>): ModelSpec {
  const common = { dim: 2, hidden: config.hidden, layers: config.layers, seed: config.seed } as const;
  return {
    sde: { kind: 'diffflow', drift: { kind: 'fourierMlp', options: { ...common, name: 'drift' } }, diffusion: { kind: 'constant', value: config.g }, interval: [0, config.T] },
    score: { kind: 'fourierMlp', options: { ...common, name: 'score' } },
  };
}

/**
 * A pool of `threads − 1` worker replicas of the toy2d model plus this thread's shard, or
 * undefined for one thread (nothing to split). The caller disposes it.
 */
export async function toyPool(
  config: Pick<Toy2dConfig, 'hidden' | 'layers' | 'g' | 'seed' | 'T' | 'workers'> & { readonly strategy: GradientStrategyName },
): Promise<DataParallel | undefined> {
  const threads = poolThreads(config.workers);
  if (threads <= 1) return undefined;
  return dataParallel({ spec: toyModelSpec(config), strategy: config.strategy, workers: threads - 1 });
}

/**
 * `drawSamples` (train.ts) split across a pool's shards: the same keys per row
 * (`purposeSeed(seed, 'sample')`), so the same numbers as on one thread. EMA weights, fixed grid,
 * noise-free last step; dataset coordinates.
 */
export async function drawSamplesParallel(pool: DataParallel, trainer: Trainer, normalizer: Normalizer, n: number, seed: number, sampler: SamplerSpec = { name: defaultSamplerName }): Promise<Float32Array> {
  return trainer.ema.withAveragedAsync(async () => {
    const samples = await pool.sample(trainer.model, { grid: trainer.evaluationGrid(), n, shape: [2], seed: purposeSeed(seed, 'sample'), sampler });
    const values = samples.dataSync() as Float32Array;
    samples.dispose();
    return normalizer.denormalize(values);
  });
}
