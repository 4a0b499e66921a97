import * as E from 'fp-ts/lib/Either.js';
import { fixedGrid } from '@diffflow/sde-core';
import { sampleMarginal } from '@diffflow/likelihood';
import { normalizerFromJson, sampleToy, type NormalizerJson } from '@diffflow/datasets';
import { assignTensors, loadCheckpoint, openRunDir, resolveConfig, scatterPng, type ExperimentError } from '../io/index.js';
import { orExit, orExitSync } from '../cli_util.js';
import { defaultOut, Toy2dConfig, toy2dDefaults } from './config.js';
import { disposeModel, purposeSeed, toyModel } from './model.js';
import { CHECKPOINT, toyBounds } from './train.js';

/** Flags of `toy2d sample`. */
export const sampleFlags = {
  run: 'string',
  dataset: 'string',
  n: 'int',
  steps: 'int',
  lambda: 'number',
  seed: 'int',
  denoise: 'boolean',
  out: 'string',
} as const;

const malformed = (path: string, reason: string): ExperimentError => ({ _tag: 'FileMalformed', path, reason });

/**
 * Draws samples from a toy2d checkpoint with its EMA weights: the λ-family sampler (λ = 1, the
 * backward SDE, by default) on the fixed grid, noise-free last step. Writes samples.npy
 * (float32 [n, 2], in the dataset's own coordinates) and samples.png.
 */
export async function sampleToy2d(flags: Record<string, unknown>): Promise<void> {
  const dataset = typeof flags['dataset'] === 'string' ? flags['dataset'] : toy2dDefaults.dataset;
  const runPath = typeof flags['run'] === 'string' ? flags['run'] : defaultOut({ dataset: dataset as Toy2dConfig['dataset'], seed: 0 });
  const ckptPath = `${runPath}/${CHECKPOINT}`;
  const ckpt = await orExit(loadCheckpoint(ckptPath));
  const config = orExitSync(
    E.mapLeft((e: ExperimentError) => malformed(ckptPath, `its config is invalid: ${'reason' in e ? String(e.reason) : e._tag}`))(
      resolveConfig(Toy2dConfig, toy2dDefaults, (ckpt.meta['config'] ?? {}) as Record<string, unknown>),
    ),
  );
  const n = (flags['n'] as number | undefined) ?? config.samples;
  const steps = (flags['steps'] as number | undefined) ?? config.steps;
  const lambda = (flags['lambda'] as number | undefined) ?? 1;
  const seed = (flags['seed'] as number | undefined) ?? config.seed;
  const denoise = (flags['denoise'] as boolean | undefined) ?? true;
  if (!(n >= 1)) orExitSync(E.left({ _tag: 'ConfigInvalid', field: 'n', reason: 'must be an integer ≥ 1' }));
  if (!(steps >= 1)) orExitSync(E.left({ _tag: 'ConfigInvalid', field: 'steps', reason: 'must be an integer ≥ 1' }));
  if (!(lambda >= 0)) orExitSync(E.left({ _tag: 'ConfigInvalid', field: 'lambda', reason: `must be a number ≥ 0, got ${lambda}` }));
  const out = typeof flags['out'] === 'string' ? flags['out'] : `${runPath}/sample-n${n}-N${steps}-lambda${lambda}-seed${seed}`;
  const identity = { run: runPath, n, steps, lambda, seed, denoise };
  const dir = await orExit(openRunDir(out, { config: identity, resume: true }));
  await orExit(dir.writeConfig(identity));

  const normalizer = normalizerFromJson(ckpt.meta['normalizer'] as NormalizerJson);
  const model = toyModel(config);
  const params = [
    ...model.drift.parameters.map((p) => ({ name: `drift/${p.name}`, variable: p.variable })),
    ...model.score.parameters.map((p) => ({ name: `score/${p.name}`, variable: p.variable })),
  ];
  orExitSync(assignTensors(params, ckpt.tensors, 'ema', { source: ckptPath }));
  const started = performance.now();
  const { samples } = sampleMarginal(model, {
    grid: fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta }),
    lambda,
    n,
    shape: [2],
    seed: purposeSeed(seed, 'sample'),
    denoise,
  });
  const values = normalizer.denormalize(samples.dataSync() as Float32Array);
  samples.dispose();
  const ms = performance.now() - started;
  const bounds = toyBounds(sampleToy(config.dataset, 10_000, { seed: purposeSeed(config.seed, 'plot-data'), iteration: 0 }));
  await orExit(dir.writeNpy('samples.npy', values, [n, 2]));
  await orExit(dir.writePng('samples.png', scatterPng(values, { size: 480, bounds })));
  await orExit(dir.writeSummary({ n, steps, lambda, seed, denoise, samplingMs: ms }));
  disposeModel(model);
  console.error(`[toy2d] ${n} samples (N = ${steps}, λ = ${lambda}) in ${ms.toFixed(0)} ms → ${out}`);
}
