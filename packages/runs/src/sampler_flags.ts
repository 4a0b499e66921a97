import * as t from 'io-ts';
import { documented, intAtLeast, numberAtLeast } from './config.js';

/**
 * The flags of a command that draws samples from a trained run (`toy2d sample`, `images sample`),
 * as io-ts props to spread into a `t.exact(t.partial({...}))` after the command's own `--run` (and
 * whatever else picks its default run folder): every one optional, each checked against its range.
 * Each is `documented` (its help); what an absent flag means is {@link samplerSettings}.
 */
export const samplerFlags = {
  n: documented(intAtLeast(1), 'Samples to draw.', "the command's"),
  steps: documented(intAtLeast(1), "N of the sampler's fixed time grid.", "the run's"),
  lambda: documented(numberAtLeast(0), 'λ of the sampler family: 1 the backward SDE … 0 the probability-flow ODE.', '1'),
  seed: documented(intAtLeast(0), "Seed of the sampler's noise.", "the run's"),
  denoise: documented(t.boolean, 'Noise-free Tweedie last step.', 'true'),
  out: documented(t.string, 'Output folder.', '<run>/sample-… named by the options'),
  workers: documented(
    intAtLeast(0),
    'Threads the samples are split across: 0 = one per core, 1 = this thread only. The same samples either way (each row\'s noise is keyed by its index).',
    '0',
  ),
};

/** The decoded {@link samplerFlags}: each one absent or valid. */
export type SamplerFlags = t.TypeOf<t.PartialC<typeof samplerFlags>>;

/** What a sampling command runs with once every absent flag has its default. */
export interface SamplerSettings {
  /** Samples to draw. */
  readonly n: number;
  /** N of the fixed grid. */
  readonly steps: number;
  /** λ of the sampler family (1 = backward SDE, 0 = probability-flow ODE). */
  readonly lambda: number;
  /** Seed of the sampler's noise. */
  readonly seed: number;
  /** Noise-free Tweedie last step. */
  readonly denoise: boolean;
  /** Threads (0 = one per core). */
  readonly workers: number;
}

/**
 * The settings of a sampling command: each given flag, else its default — `n`, `steps` and `seed`
 * from `fallback` (the command's and the run's), λ = 1 (the backward SDE), the Tweedie last step
 * on, one thread per core.
 */
export function samplerSettings(flags: SamplerFlags, fallback: { readonly n: number; readonly steps: number; readonly seed: number }): SamplerSettings {
  return {
    n: flags.n ?? fallback.n,
    steps: flags.steps ?? fallback.steps,
    lambda: flags.lambda ?? 1,
    seed: flags.seed ?? fallback.seed,
    denoise: flags.denoise ?? true,
    workers: flags.workers ?? 0,
  };
}
