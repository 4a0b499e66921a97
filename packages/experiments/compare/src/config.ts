import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { toyNames, type ToyName } from '@diffflow/datasets';
import { gradientStrategyNames } from '@diffflow/adjoint';
import { ddpmVariances } from '@diffflow/losses';
import { samplerNames, type SamplerSpec } from '@diffflow/likelihood';
import { checkpointFields, commaList, configInvalid, documented, fail, flagsOf, learnedDriftSamplerProblem, loadConfig, nameIn, samplerSettingFields, samplerSpecFromFlags, intAtLeast, numberAbove, numberAtLeast, numberInRange, oneOf, updateFields, type ConfigLayer, type ExperimentError } from '@diffflow/cli';

/**
 * Configuration of `toy2d:compare`: DiffFlow vs DDPM on 2-D data (sharpness, topology, steps).
 * Nested records; every leaf is also a CLI flag (`--diffflow.iters=300`, `--budget.sierpinski.ddpmIters=4000`).
 * Lists are written comma-separated on the command line (`--sharpness=checkerboard,olympic`).
 */

const toyListOrNone = commaList<ToyName>('ToyList', `a non-empty comma-separated list of toy datasets (${toyNames.join(', ')})`, nameIn(toyNames), {
  orNone: `'none' or a comma-separated list of toy datasets (${toyNames.join(', ')})`,
});
const stepList = commaList<number>('StepList', 'a non-empty comma-separated list of integers >= 1 (numbers of sampling steps N)', (s) => {
  const n = Number(s);
  return s !== '' && Number.isInteger(n) && n >= 1 ? n : undefined;
});

const DatasetBudget = t.partial({
  diffflowIters: documented(intAtLeast(1), "DiffFlow's training iterations on this dataset.", '--diffflow.iters'),
  diffflowBatch: documented(intAtLeast(2), "DiffFlow's batch size on this dataset.", '--diffflow.batch'),
  ddpmIters: documented(intAtLeast(1), "DDPM's training iterations on this dataset.", '--ddpm.iters'),
  ddpmBatch: documented(intAtLeast(2), "DDPM's batch size on this dataset.", '--ddpm.batch'),
});
export type DatasetBudget = t.TypeOf<typeof DatasetBudget>;

export const CompareConfig = t.strict({
  seed: documented(intAtLeast(0), 'Root seed of every draw (data, initial weights, noise, samples).'),
  quick: documented(t.boolean, 'Tiny budgets for a smoke test (applied before --config and the other flags).'),
  sharpness: documented(toyListOrNone, 'Datasets of the sharpness comparison (samples, NLL, support fraction, MMD, energy distance).'),
  topology: documented(toyListOrNone, 'Datasets of the forward-trajectory (topology) figure.'),
  stepsDatasets: documented(toyListOrNone, 'Datasets of the steps experiment.'),
  stepsList: documented(stepList, 'Numbers of sampling steps N of the steps experiment.'),
  /** DiffFlow's run, and its sampler's own settings as flags (`--diffflow.lambda`, `--diffflow.snr`, …: see samplerSettingFields). */
  diffflow: t.intersection([t.strict({
    iters: documented(intAtLeast(1), "DiffFlow's training iterations (per dataset unless --budget.<dataset>.diffflowIters)."),
    batch: documented(intAtLeast(2), "DiffFlow's batch size (per dataset unless --budget.<dataset>.diffflowBatch)."),
    trainSteps: documented(intAtLeast(1), 'N of the fixed training grid L_β.'),
    sampleSteps: documented(intAtLeast(1), "N of the sharpness comparison's sampler."),
    hidden: documented(intAtLeast(1), 'Hidden width of both Fourier MLPs.'),
    layers: documented(intAtLeast(0), 'Hidden layers of both Fourier MLPs.'),
    g: documented(numberAbove(0), 'Diffusion g > 0 (constant).'),
    tMin: documented(numberAtLeast(0), 'First time t_0 of the grid.'),
    T: documented(numberAbove(0), 'Final time T of the grid.'),
    beta: documented(numberAbove(0), 'Grid exponent β: time points uniform in t^β.'),
    /** Adam with StepLR, clip, EMA (see updateFields), and the gradient strategy. */
    ...updateFields,
    strategy: documented(oneOf(gradientStrategyNames), 'Gradient strategy: the adjoint or naive backpropagation through the solver.'),
    sampler: documented(oneOf(samplerNames as readonly string[]), "The sampler of DiffFlow's samples, by its name in @diffflow/likelihood's registry; its settings are flags of their own (--diffflow.<setting>)."),
  }), samplerSettingFields()]),
  /** The DDPM baseline, and its registry sampler's own settings as flags (`--ddpm.snr`, …; 'ancestral' has none). */
  ddpm: t.intersection([t.strict({
    iters: documented(intAtLeast(1), "DDPM's training iterations (per dataset unless --budget.<dataset>.ddpmIters)."),
    batch: documented(intAtLeast(2), "DDPM's batch size (per dataset unless --budget.<dataset>.ddpmBatch)."),
    betaMin: documented(numberAbove(0), 'Lower end of the VP schedule β.'),
    betaMax: documented(numberAbove(0), 'Upper end of the VP schedule β.'),
    K: documented(intAtLeast(1), 'Discrete steps K of the full ancestral chain.'),
    lossTMin: documented(numberInRange(1e-9, 0.5), 't ~ U(lossTMin, 1) in L_simple.'),
    variance: documented(oneOf(ddpmVariances), "Ancestral variance σ² = β ('beta') or the posterior β̃ ('posterior')."),
    sampler: documented(
      oneOf(['ancestral', ...samplerNames] as readonly string[]),
      "The sampler of DDPM's samples: 'ancestral' (the discrete chain strided to N of K) or a registry sampler on the VP SDE, N steps uniform in t over [eval.ddpmNllTMin, 1]; a registry sampler's settings are flags of their own (--ddpm.<setting>).",
    ),
    /** Adam with StepLR, clip, EMA, as DiffFlow's (see updateFields). */
    ...updateFields,
  }), samplerSettingFields()]),
  eval: t.strict({
    samples: documented(intAtLeast(2), 'Model samples per comparison.'),
    heldOut: documented(intAtLeast(2), 'Held-out data points the samples are compared with.'),
    nllPoints: documented(intAtLeast(2), 'Held-out points whose NLL is computed (probability-flow ODE, exact trace).'),
    nllSolver: documented(oneOf(['rk4', 'rk45'] as const), 'ODE solver of the NLL.'),
    diffflowNllSteps: documented(intAtLeast(1), "RK4 steps of DiffFlow's ODE on its own grid over [tMin, T]."),
    ddpmNllSteps: documented(intAtLeast(1), "RK4 steps of DDPM's ODE over [ddpmNllTMin, 1], uniform in √t."),
    ddpmNllTMin: documented(numberInRange(1e-9, 0.5), "Start of DDPM's ODE."),
    tolerance: documented(numberAbove(0), 'RK45 tolerances (rtol = atol).'),
    relaxedSupport: documented(numberAbove(0), 'The relaxed support fraction counts samples within this fraction of the median-heuristic bandwidth ℓ of the support.'),
    trajectoryPoints: documented(intAtLeast(8), 'Points in the trajectory strips.'),
    purityK: documented(intAtLeast(1), 'k of the k-NN label purity.'),
    snapshots: documented(intAtLeast(2), "Snapshots a trajectory strip shows (t_0 … T, evenly spaced in the process's own time)."),
  }),
  /** Per-dataset overrides of the iteration and batch budgets. */
  budget: t.partial(Object.fromEntries(toyNames.map((n) => [n, DatasetBudget])) as Record<ToyName, typeof DatasetBudget>),
  /** checkpointEvery, maxRetries: see checkpointFields. */
  ...checkpointFields,
  /** `--ddpmWorker`, not `--parallel`: Nx takes `--parallel` for itself. */
  ddpmWorker: documented(t.boolean, 'Train each DDPM baseline in a worker thread (the second core) while DiffFlow trains; the same numbers either way.'),
  out: documented(t.string, 'Output folder.'),
  resume: documented(t.boolean, 'Continue the comparison in --out from its checkpoints.'),
});
export type CompareConfig = t.TypeOf<typeof CompareConfig>;

/**
 * Defaults: the full comparison, sized for about an hour on 2 CPU cores (wasm). DiffFlow is the
 * reference 2-D model (two Fourier MLPs 3 × 128, g = 0.2, grid uniform in t^0.9 over [1e-3, 0.05],
 * N = 30, Adam 1e-2, clip 1) with a short budget; DDPM is an ε-network of the same parameter count
 * (one Fourier MLP 3 × 181) on the VP SDE (β ∈ [0.1, 20], K = 1000).
 */
export const compareDefaults: CompareConfig = {
  seed: 0,
  quick: false,
  sharpness: ['checkerboard', 'olympic', '2spirals', 'sierpinski'],
  topology: ['fourrings', 'olympic'],
  stepsDatasets: ['checkerboard', 'olympic', '2spirals', 'sierpinski'],
  stepsList: [5, 10, 20, 30, 50, 100],
  diffflow: {
    iters: 400,
    batch: 512,
    trainSteps: 30,
    sampleSteps: 30,
    hidden: 128,
    layers: 3,
    g: 0.2,
    tMin: 1e-3,
    T: 0.05,
    beta: 0.9,
    lr: 1e-2,
    lrDecay: 0.5,
    lrDecayEvery: 150,
    clip: 1,
    ema: 0.99,
    strategy: 'adjoint',
    sampler: 'euler-maruyama',
  },
  ddpm: {
    iters: 6000,
    batch: 512,
    betaMin: 0.1,
    betaMax: 20,
    K: 1000,
    lossTMin: 1e-5,
    variance: 'beta',
    sampler: 'ancestral',
    lr: 2e-3,
    lrDecay: 0.5,
    lrDecayEvery: 2000,
    clip: 1,
    ema: 0.995,
  },
  eval: {
    samples: 2000,
    heldOut: 2000,
    nllPoints: 1000,
    nllSolver: 'rk4',
    diffflowNllSteps: 30,
    ddpmNllSteps: 100,
    ddpmNllTMin: 1e-3,
    tolerance: 1e-4,
    relaxedSupport: 0.01,
    trajectoryPoints: 2000,
    purityK: 5,
    snapshots: 6,
  },
  budget: {},
  checkpointEvery: 100,
  maxRetries: 3,
  ddpmWorker: true,
  out: 'runs/compare',
  resume: false,
};

/** What `--quick` changes: tiny networks and budgets, for the end-to-end test (well under a minute). */
export const compareQuick = {
  sharpness: ['olympic', '2spirals'],
  topology: ['fourrings'],
  stepsDatasets: ['olympic'],
  stepsList: [2, 5],
  diffflow: { iters: 3, batch: 64, trainSteps: 5, sampleSteps: 5, hidden: 16, layers: 1 },
  ddpm: { iters: 10, batch: 64, K: 50 },
  eval: { samples: 200, heldOut: 200, nllPoints: 16, diffflowNllSteps: 5, ddpmNllSteps: 8, trajectoryPoints: 200, snapshots: 4 },
  checkpointEvery: 2,
} as const;

/** The command-line flags: every leaf of the schema, dotted (`--diffflow.lr`, `--budget.olympic.ddpmIters`). */
export const compareFlags = flagsOf(CompareConfig);

/** Fields that do not change what a run computes. */
export const compareNonIdentityFields = ['out', 'resume', 'ddpmWorker'] as const;

/** The identity of a run: what openRunDir compares (everything but the non-identity fields). */
export function runIdentity(config: CompareConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !(compareNonIdentityFields as readonly string[]).includes(k)));
}

/** The iteration and batch budgets of one dataset. */
export function budgetFor(config: CompareConfig, dataset: ToyName): Required<DatasetBudget> {
  const b = config.budget[dataset] ?? {};
  return {
    diffflowIters: b.diffflowIters ?? config.diffflow.iters,
    diffflowBatch: b.diffflowBatch ?? config.diffflow.batch,
    ddpmIters: b.ddpmIters ?? config.ddpm.iters,
    ddpmBatch: b.ddpmBatch ?? config.ddpm.batch,
  };
}

/** Every dataset a run trains on, in order: sharpness, then steps, then topology (no repeats). */
export function trainedDatasets(config: Pick<CompareConfig, 'sharpness' | 'stepsDatasets' | 'topology'>): ToyName[] {
  return [...new Set([...config.sharpness, ...config.stepsDatasets, ...config.topology])];
}

/**
 * Cross-field checks the schema cannot express: the first problem as { field, reason }, or undefined.
 */
export function compareConfigProblem(c: CompareConfig): { field: string; reason: string } | undefined {
  if (!(c.ddpm.betaMax >= c.ddpm.betaMin)) return { field: 'ddpm.betaMax', reason: `must be >= ddpm.betaMin = ${c.ddpm.betaMin}, got ${c.ddpm.betaMax}` };
  if (!(c.diffflow.T > c.diffflow.tMin)) return { field: 'diffflow.T', reason: `must be > diffflow.tMin = ${c.diffflow.tMin}, got ${c.diffflow.T}` };
  // DiffFlow's drift is learned: a sampler that needs a closed-form marginal (dpm-solver) is refused here, before training
  const samplerProblem = learnedDriftSamplerProblem(c.diffflow.sampler);
  if (samplerProblem !== undefined) return { field: 'diffflow.sampler', reason: samplerProblem };
  const tooMany = c.stepsList.find((n) => n > c.ddpm.K);
  if (tooMany !== undefined) return { field: 'stepsList', reason: `every N must be <= ddpm.K = ${c.ddpm.K} (DDPM strides its K steps), got ${tooMany}` };
  if (c.diffflow.sampleSteps > c.ddpm.K)
    return { field: 'diffflow.sampleSteps', reason: `must be <= ddpm.K = ${c.ddpm.K} (DDPM is sampled with the same N), got ${c.diffflow.sampleSteps}` };
  if (c.eval.nllPoints > c.eval.heldOut) return { field: 'eval.nllPoints', reason: `must be <= eval.heldOut = ${c.eval.heldOut}, got ${c.eval.nllPoints}` };
  if (c.eval.purityK >= c.eval.trajectoryPoints)
    return { field: 'eval.purityK', reason: `must be < eval.trajectoryPoints = ${c.eval.trajectoryPoints}, got ${c.eval.purityK}` };
  if (trainedDatasets(c).length === 0) return { field: 'sharpness', reason: 'sharpness, stepsDatasets and topology are all empty: nothing to compare' };
  return undefined;
}

/** The samplers of a comparison: DiffFlow's and DDPM's (a registry spec, or the discrete 'ancestral' chain). */
export interface CompareSamplers {
  readonly diffflow: SamplerSpec;
  readonly ddpm: SamplerSpec | 'ancestral';
}

/**
 * The sampler specs of `--diffflow.sampler` and `--ddpm.sampler` with the setting flags given beside
 * each (absent ones take the sampler's defaults).
 * @throws ExperimentFailure (exit 2) for a setting flag its sampler does not have, naming the dotted
 *   flag (`--diffflow.snr`) and the sampler's settings; 'ancestral' has none
 */
export function compareSamplers(c: Pick<CompareConfig, 'diffflow' | 'ddpm'>): CompareSamplers {
  const diffflow = samplerSpecFromFlags(c.diffflow, undefined, 'diffflow.');
  if (c.ddpm.sampler !== 'ancestral') return { diffflow, ddpm: samplerSpecFromFlags(c.ddpm, undefined, 'ddpm.') };
  const given = Object.keys(samplerSettingFields().props).find((k) => (c.ddpm as Record<string, unknown>)[k] !== undefined);
  if (given !== undefined) fail(configInvalid(`--ddpm.${given}`, "is not a setting of sampler 'ancestral' (its settings: none; --ddpm.variance picks its variance)"));
  return { diffflow, ddpm: 'ancestral' };
}

/** Decodes the command line (runs' `loadConfig`: defaults ← --quick preset ← --config file ← flags) and checks it. */
export async function loadCompareConfig(argv: readonly string[]): Promise<E.Either<ExperimentError, CompareConfig>> {
  const quick = (overrides: Readonly<Record<string, unknown>>, file: Readonly<Record<string, unknown>> | undefined): ConfigLayer | undefined =>
    (overrides['quick'] ?? file?.['quick']) === true ? { source: '--quick', value: compareQuick } : undefined;
  const decoded = await loadConfig(CompareConfig, compareDefaults, argv, compareFlags, { preset: quick })();
  if (E.isLeft(decoded)) return decoded;
  const problem = compareConfigProblem(decoded.right);
  return problem === undefined ? decoded : E.left(configInvalid(problem.field, problem.reason));
}
