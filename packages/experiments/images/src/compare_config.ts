/**
 * The configuration of `images compare` (Nx target images:compare): Table 4 of the paper on MNIST —
 * DiffFlow's cpu preset against the DDPM baseline at the same U-Net size and training budget,
 * sample quality (FD-LeNet, class coverage) against the number of sampling steps N.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { configInvalid, documented, ExperimentFailure, flagsOf, intAtLeast, learnedDriftSamplerProblem, samplerSettingFields, samplerSpecFromFlags, type ExperimentError } from '@diffflow/cli';
import type { SamplerSpec } from '@diffflow/likelihood';
import { checkImagesConfig, ImagesConfig, imagePresetDefaults, intList, parseIntList } from './config.js';

/** The fields of images:train that define the DiffFlow run (all but its output and end-of-run sample grid and sampler). */
const { samples: _samples, sampleSteps: _sampleSteps, sampler: _sampler, out: _out, resume: _resume, ...trainingProps } = ImagesConfig.type.props;

/** The images:train fields a comparison takes over, as flags: they configure the DiffFlow run trained here (and so the DDPM baseline). */
export const compareTrainingFields = Object.keys(trainingProps) as readonly (keyof typeof trainingProps)[];

/**
 * One flat record, every field a flag (`--sampleSteps=5,10 --samples=500 …`), decoded strictly:
 * - the images:train fields (`--preset`, `--iters`, `--warmup`, …) of the DiffFlow run trained here
 *   when no `--diffflowRun` is given; with one, the run's stored configuration rules and these
 *   flags are refused (except `--workers`, which changes no result);
 * - what the comparison itself does (below).
 */
const CompareImagesFields = t.strict({
  ...trainingProps,
  /** The DDPM baseline is that run's warm-up continued, and the warm-up's iterations price the budget. */
  diffflowRun: documented(
    t.string,
    "An images:train run folder to take DiffFlow from (it must have forward 'vp' and a score warm-up, as the cpu preset); '' = train the configured DiffFlow here, into <out>/diffflow.",
  ),
  sampleSteps: documented(intList, 'The numbers of sampling steps N compared (Table 4: 5, 10, 20, 50, 100; here also 30, the training N).'),
  samples: documented(intAtLeast(2), 'Samples per model and N that FD-LeNet and the class coverage are measured on (≥ 2: a covariance).'),
  figureSamples: documented(intAtLeast(1), 'Samples per model and N shown in the figure.'),
  sampler: documented(
    ImagesConfig.type.props.sampler,
    "The sampler of both models, by its name in @diffflow/likelihood's registry; its settings are flags of their own (--lambda, --snr, …). One that cannot run DiffFlow's learned drift, dpm-solver or ddpm-ancestral, is refused.",
  ),
  ddpmIters: documented(intAtLeast(0), "DDPM training iterations; 0 = the budget: as many as DiffFlow's training wall-clock buys."),
  classifier: documented(t.string, "The LeNet classifier folder (images:classifier); '' = the default folder of the data split."),
  quick: documented(t.boolean, 'The CI size: a tiny U-Net, a few iterations, N ∈ {2, 3}, 8 samples (seconds). Swaps the defaults under the other flags.'),
  out: documented(t.string, "Output folder ('' = runs/images-compare-<data>-seed<seed>, -quick with --quick)."),
  /**
   * Changes no result: checkpoints restore weights, Adam, EMA and the iteration, and each sample
   * row's noise is keyed by its index.
   */
  resume: documented(
    t.boolean,
    'Continue the comparison in --out where it stopped: DiffFlow (when trained here) and DDPM from their checkpoints, every (model, N) already measured taken as it is.',
  ),
});
type CompareImagesFields = t.TypeOf<typeof CompareImagesFields>;

/** The fields above and the sampler's own settings (`--lambda`, `--snr`, …: see samplerSettingFields), each refused for a sampler that lacks it. */
export const CompareImagesConfig = t.intersection([CompareImagesFields, samplerSettingFields()]);
export type CompareImagesConfig = t.TypeOf<typeof CompareImagesConfig>;

/** The command-line flags: every field of the schema. */
export const compareFlags = flagsOf(CompareImagesConfig);

/**
 * Defaults of the full comparison: DiffFlow's cpu preset (forward 'vp', 4000 score warm-up
 * iterations then 150 trajectory-KL iterations at N = 30), N ∈ {5, 10, 20, 30, 50, 100},
 * 500 samples per model and N (≈ 2 h 10 min in all on this 2-core machine, quiet: see the README).
 */
const full: Omit<CompareImagesFields, 'preset'> & { preset: 'cpu' } = {
  ...stripTrainOnly(imagePresetDefaults.cpu),
  preset: 'cpu',
  diffflowRun: '',
  sampleSteps: '5,10,20,30,50,100',
  samples: 500,
  figureSamples: 8,
  sampler: 'euler-maruyama',
  ddpmIters: 0,
  classifier: '',
  quick: false,
  out: '',
  resume: false,
};

/**
 * `--quick`: the cpu preset's recipe (VP forward, score warm-up, then the trajectory KL) on the tiny
 * U-Net at 32×32 (the classifier's size), the same held-out split (so the same classifier applies),
 * 3 warm-up + 2 trajectory-KL iterations, N ∈ {2, 3}, 8 samples.
 */
const quick: CompareImagesConfig = {
  ...full,
  preset: 'tiny',
  iters: 5,
  warmup: 3,
  warmupBatch: 4,
  batchSize: 2,
  steps: '2',
  checkpointEvery: 100,
  sampleSteps: '2,3',
  samples: 8,
  figureSamples: 4,
  quick: true,
};

function stripTrainOnly<C extends { samples: unknown; sampleSteps: unknown; sampler: unknown; out: unknown; resume: unknown }>(c: C): Omit<C, 'samples' | 'sampleSteps' | 'sampler' | 'out' | 'resume'> {
  const { samples: _a, sampleSteps: _b, sampler: _e, out: _c, resume: _d, ...rest } = c;
  return rest;
}

/** The defaults under the command line's overrides: `--quick` swaps in the CI size. */
export function compareDefaultsFor(overrides: Record<string, unknown>): CompareImagesConfig {
  return overrides['quick'] === true ? quick : full;
}

/** The default output folder of a comparison. */
export function defaultCompareOut(c: Pick<CompareImagesConfig, 'data' | 'seed' | 'quick'>): string {
  return `runs/images-compare-${c.data}-seed${c.seed}${c.quick ? '-quick' : ''}`;
}

/** The images:train configuration of the DiffFlow run a comparison trains (its run folder `<out>/diffflow`). */
export function diffflowTrainConfig(c: CompareImagesConfig, out: string): ImagesConfig {
  const training = Object.fromEntries(compareTrainingFields.map((k) => [k, c[k]])) as Omit<ImagesConfig, 'samples' | 'sampleSteps' | 'sampler' | 'out' | 'resume'>;
  const preset = imagePresetDefaults[c.preset];
  return { ...training, samples: c.quick ? 4 : preset.samples, sampleSteps: preset.sampleSteps, sampler: c.sampler, out, resume: false };
}

/**
 * The sampler both models of a comparison run: `sampler` with the setting flags given (absent ones
 * take its defaults: euler-maruyama's λ is sde-core's defaultLambda).
 * @throws ExperimentFailure (exit 2) for a setting flag the sampler does not have, naming it
 */
export function compareSampler(c: Readonly<Record<string, unknown>> & Pick<CompareImagesConfig, 'sampler'>): SamplerSpec {
  return samplerSpecFromFlags(c);
}

/** A checked comparison: the decoded configuration and its N values. */
export interface CheckedCompare {
  readonly config: CompareImagesConfig;
  readonly sampleSteps: readonly number[];
}

/**
 * Checks what the field-by-field decoding cannot: at least one N, no N listed twice, figure samples
 * ≤ samples; with `--diffflowRun` no images:train flag beside it (the run's configuration rules);
 * without it, the DiffFlow configuration as images:train checks it, with a VP forward process and a
 * score warm-up (what the DDPM baseline continues and what prices the budget).
 * @param given the flags given on the command line (their names), to refuse training flags beside --diffflowRun
 */
export function checkCompareConfig(c: CompareImagesConfig, given: readonly string[]): E.Either<ExperimentError, CheckedCompare> {
  const sampleSteps = parseIntList(c.sampleSteps) as number[];
  if (sampleSteps.length < 1) return E.left(configInvalid('sampleSteps', 'must list at least one N, e.g. "5,10,20,30,50,100"'));
  if (new Set(sampleSteps).size !== sampleSteps.length) return E.left(configInvalid('sampleSteps', `must not list an N twice, got '${c.sampleSteps}'`));
  if (c.figureSamples > c.samples) return E.left(configInvalid('figureSamples', `must be <= samples = ${c.samples}, got ${c.figureSamples}`));
  const samplerProblem = learnedDriftSamplerProblem(c.sampler);
  if (samplerProblem !== undefined) return E.left(configInvalid('sampler', samplerProblem));
  try {
    compareSampler(c);
  } catch (e) {
    if (e instanceof ExperimentFailure) return E.left(e.error);
    throw e;
  }
  if (c.diffflowRun !== '') {
    const clash = given.find((k) => k !== 'workers' && (compareTrainingFields as readonly string[]).includes(k));
    if (clash !== undefined) {
      return E.left(configInvalid(`--${clash}`, `cannot be given with --diffflowRun: the DiffFlow run's own configuration (its checkpoint) defines the U-Net, the SDE, the data and the seed of both models`));
    }
    return E.right({ config: c, sampleSteps });
  }
  const trained = checkImagesConfig(diffflowTrainConfig(c, ''));
  if (E.isLeft(trained)) return trained;
  const recipe = diffflowRecipeProblem(c);
  if (recipe !== undefined) return E.left(configInvalid(recipe.field, recipe.reason));
  return E.right({ config: c, sampleSteps });
}

/**
 * Why a DiffFlow configuration cannot anchor the comparison, or undefined: the DDPM baseline is
 * its score warm-up continued (the VP SDE, the same ε-U-Net, batches and draws), so it needs
 * forward 'vp' with a warm-up, on [tMin, 1].
 */
export function diffflowRecipeProblem(c: Pick<ImagesConfig, 'forward' | 'warmup' | 'T'>): { field: string; reason: string } | undefined {
  if (c.forward !== 'vp') return { field: 'forward', reason: `must be 'vp' (the DDPM baseline is the VP SDE with DiffFlow's ε-parameterised score), got '${c.forward}'` };
  if (c.warmup < 1) return { field: 'warmup', reason: 'must be >= 1: the DDPM baseline continues DiffFlow\'s score warm-up, whose iterations also price the budget' };
  if (c.T !== 1) return { field: 'T', reason: `must be 1 (DDPM trains t ~ U(tMin, 1) on the VP SDE's whole interval), got ${c.T}` };
  return undefined;
}
