import * as t from 'io-ts';
import { tabularNames } from '@diffflow/datasets';
import { activationNames } from '@diffflow/networks';
import { checkpointFields, documented, flagsOf, intAtLeast, intInRange, oneOf, optimizerFields, constantGFields } from '@diffflow/cli';

/** The datasets of the experiment: the five MAF benchmarks of Table 1 and the synthetic stand-in with a known density. */
export const tabularDatasets = [...tabularNames, 'synthetic'] as const;
export type TabularDatasetName = (typeof tabularDatasets)[number];

/**
 * Hidden ch→ch layers of each Fourier MLP, at most 3: with the input and output layers that is at
 * most 5 layers, the paper's "no more than 5 layers" for its tabular models (fact sheet §1.1).
 */
export const MAX_HIDDEN_LAYERS = 3;

/**
 * The tabular experiment's configuration: one flat record so every field is also a CLI flag
 * (`--dataset=power --data=/data/maf --iters=5000 …`). Decoded strictly: unknown keys are rejected
 * and every field is checked with a message naming it and its allowed range.
 */
export const TabularConfig = t.strict({
  dataset: documented(oneOf(tabularDatasets), "Which dataset: a MAF benchmark (read from --data) or 'synthetic' (generated, needs no files)."),
  data: documented(t.string, "The MAF release's extracted data/ folder, or a folder of <name>/{train,validation,test}.npy splits."),
  /** Budget and time grid (iters, batchSize, steps, tMin, T, beta, g, flexible): see constantGFields. */
  ...constantGFields,
  hidden: documented(intAtLeast(1), 'Hidden width of both Fourier MLPs.'),
  layers: documented(intInRange(0, MAX_HIDDEN_LAYERS), 'Hidden ch→ch layers of both Fourier MLPs (at most 5 layers in all).'),
  activation: documented(oneOf(activationNames), 'Activation of both networks.'),
  /** Adam with StepLR, clip, EMA, gradient strategy, seed: see optimizerFields. */
  ...optimizerFields,
  validEvery: documented(intAtLeast(0), 'Validation bound (negative ELBO, EMA weights) every this many iterations (0: only at the end).'),
  validRows: documented(intAtLeast(1), 'Validation rows the bound uses (a seeded subset when the split is larger).'),
  /** checkpointEvery, maxRetries: see checkpointFields. */
  ...checkpointFields,
  out: documented(t.string, "Output folder ('' = runs/tabular-<dataset>-seed<seed>)."),
  resume: documented(t.boolean, 'Continue the run in --out from its checkpoint.'),
});
export type TabularConfig = t.TypeOf<typeof TabularConfig>;

/**
 * Defaults: two Fourier MLPs 2 × 64 (4 layers each, 43,276 parameters for D = 6), a
 * near-deterministic DiffFlow (g = 0.2 as the reference 2-D model, T = 0.05: the total noise std
 * √(g²T) ≈ 0.045 in standardised units) on a flexible grid with N = 20, Adam 5e-3 halved every 500
 * iterations, clip 1, EMA 0.999, 1200 iterations of 512 rows. Sized for a 2-core CPU (≈ 25 min on
 * wasm under load); on the synthetic stand-in this configuration reaches a test NLL within 0.05 nats
 * of the true density's (README, tabular section).
 */
export const tabularDefaults: TabularConfig = {
  dataset: 'synthetic',
  data: 'data/maf',
  iters: 1200,
  batchSize: 512,
  steps: 20,
  tMin: 1e-3,
  T: 0.05,
  beta: 0.9,
  g: 0.2,
  flexible: true,
  hidden: 64,
  layers: 2,
  activation: 'gelu',
  lr: 5e-3,
  lrDecay: 0.5,
  lrDecayEvery: 500,
  clip: 1,
  ema: 0.999,
  strategy: 'adjoint',
  seed: 0,
  validEvery: 200,
  validRows: 2000,
  checkpointEvery: 250,
  maxRetries: 3,
  out: '',
  resume: false,
};

/** The command-line flags: every field of the schema, with the kind of its codec. */
export const tabularFlags = flagsOf(TabularConfig);

/**
 * Fields that do not change what a run computes (a resumed run may change them). `data` is where
 * the files are, not what they hold: the same run may be resumed on another machine.
 */
export const tabularNonIdentityFields = ['out', 'resume', 'iters', 'checkpointEvery', 'validEvery', 'data'] as const;

/** The default output folder of a configuration. */
export function defaultOut(config: Pick<TabularConfig, 'dataset' | 'seed'>): string {
  return `runs/tabular-${config.dataset}-seed${config.seed}`;
}
