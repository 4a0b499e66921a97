import * as t from 'io-ts';
import { toyNames } from '@diffflow/datasets';
import { flagsOf, intAtLeast, numberAbove, numberAtLeast, oneOf, optimizerFields } from '@diffflow/runs';

/**
 * The toy2d experiment's configuration: one flat record so every field is also a CLI flag
 * (`--dataset=olympic --iters=2000 …`, {@link toy2dFlags}). Decoded strictly: unknown keys are rejected and every
 * field is checked with a message naming it and its allowed range.
 */
export const Toy2dConfig = t.strict({
  /** Which 2-D distribution to learn. */
  dataset: oneOf(toyNames),
  /** Training iterations. */
  iters: intAtLeast(1),
  /** Batch size B (`--batchSize`: Nx takes `--batch` for itself). */
  batchSize: intAtLeast(1),
  /** Number of steps N of the time grid (training and sampling). */
  steps: intAtLeast(1),
  /** First time t_0 ≥ 0. */
  tMin: numberAtLeast(0),
  /** Final time T > 0. */
  T: numberAbove(0),
  /** Grid exponent β > 0: points uniform in t^β. */
  beta: numberAbove(0),
  /** Diffusion g > 0 (constant). */
  g: numberAbove(0),
  /** Re-draw interior time points every iteration (L̂_β) instead of the fixed grid (L_β). */
  flexible: t.boolean,
  /** Hidden width and depth of both Fourier MLPs. */
  hidden: intAtLeast(1),
  layers: intAtLeast(0),
  /** Adam with StepLR, clip, EMA, gradient strategy, seed: see optimizerFields. */
  ...optimizerFields,
  /**
   * Threads each iteration's gradients and the final samples are split across (`dataParallel` of
   * @diffflow/adjoint: k − 1 worker replicas and this thread, one row shard each): 0 = one per core,
   * 1 = this thread only. Every shard gets its rows of the same forward noise, so k changes only the
   * float32 summation order of the gradients (samples: the same numbers). Not part of a run's identity.
   */
  workers: intAtLeast(0),
  /** Samples drawn at the end (samples.npy / samples.png). */
  samples: intAtLeast(1),
  /** λ of the sampler for those samples: 1 the backward SDE … 0 the probability-flow ODE. */
  sampleLambda: numberAtLeast(0),
  /** Write a checkpoint every this many iterations (and at the end). */
  checkpointEvery: intAtLeast(1),
  /** Non-finite iterations retried with fresh noise before stopping. */
  maxRetries: intAtLeast(0),
  /** Output folder. */
  out: t.string,
  /** Continue the run in `out` from its checkpoint. */
  resume: t.boolean,
});
export type Toy2dConfig = t.TypeOf<typeof Toy2dConfig>;

export { toy2dDefaults } from './defaults.js';

/** The command-line flags: every field of the schema, with the kind of its codec. */
export const toy2dFlags = flagsOf(Toy2dConfig);

/** Fields that do not change what a run computes (a resumed run may change them). */
export const toy2dNonIdentityFields = ['out', 'resume', 'iters', 'checkpointEvery', 'samples', 'sampleLambda', 'workers'] as const;

/** The default output folder of a configuration. */
export function defaultOut(config: Pick<Toy2dConfig, 'dataset' | 'seed'>): string {
  return `runs/toy2d-${config.dataset}-seed${config.seed}`;
}
