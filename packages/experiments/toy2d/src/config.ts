import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { decodePointCloud, readNpyMatrix, toyNames } from '@diffflow/datasets';
import { checkpointFields, configInvalid, describedAs, documented, flagsOf, intAtLeast, numberAbove, numberAtLeast, oneOf, optimizerFields, constantGFields, resolveConfig, type ExperimentError } from '@diffflow/cli';
import { samplerNames } from '@diffflow/likelihood';
import { toy2dDefaults } from './defaults.js';

/**
 * What a toy2d run can learn: the library's toys (`toyNames` of @diffflow/datasets) and 'points',
 * a point cloud of the user's own carried in the configuration (`points`, `jitter`).
 */
export const toy2dDatasets = [...toyNames, 'points'] as const;

/** A cloud as the configuration stores it: [[x, y], …]. */
const Points = describedAs(t.array(t.tuple([t.number, t.number])), "a list of [x, y] pairs (on the command line: --points=<file.npy>, an array of shape [n, 2])");

/**
 * The toy2d experiment's configuration: one flat record so every field is also a CLI flag
 * (`--dataset=olympic --iters=2000 …`, {@link toy2dFlags}). Decoded strictly: unknown keys are rejected and every
 * field is checked with a message naming it and its allowed range.
 */
export const Toy2dConfig = t.strict({
  dataset: documented(oneOf(toy2dDatasets), "Which 2-D distribution to learn: a library toy, or 'points' (the cloud in --points)."),
  /**
   * The cloud of dataset 'points', [[x, y], …] in its own coordinates ([] for the toys): training
   * points are picked uniformly from it plus N(0, jitter²·I) (`samplePointCloud` of
   * @diffflow/datasets). Read into the configuration, so config.json and the checkpoint carry the data.
   */
  points: documented(Points, "Dataset 'points': a .npy file of shape [n, 2] (float32 or float64, n ≥ 1); it implies --dataset=points."),
  jitter: documented(numberAbove(0), "σ of the Gaussian jitter around each point of --points (dataset 'points'), in the cloud's coordinates."),
  /** Budget and time grid (iters, batchSize, steps, tMin, T, beta, g, flexible): see constantGFields. */
  ...constantGFields,
  hidden: documented(intAtLeast(1), 'Hidden width of both Fourier MLPs (drift and score).'),
  layers: documented(intAtLeast(0), 'Hidden layers of both Fourier MLPs.'),
  /** Adam with StepLR, clip, EMA, gradient strategy, seed: see optimizerFields. */
  ...optimizerFields,
  /**
   * Threads (`dataParallel` of @diffflow/parallel: k − 1 worker replicas and this thread, one row
   * shard each). Every shard gets its rows of the same forward noise, so k changes only the float32
   * summation order of the gradients (samples: the same numbers). Not part of a run's identity.
   */
  workers: documented(
    intAtLeast(0),
    "Threads each iteration's gradients and the final samples are split across: 0 = one per core, 1 = this thread only. Changes only the float32 summation order of the gradients; the samples are the same.",
  ),
  samples: documented(intAtLeast(1), 'Samples drawn at the end (samples.npy, samples.png).'),
  sampler: documented(oneOf(samplerNames as readonly string[]), "The sampler of those samples, by its name in @diffflow/likelihood's registry; its settings are flags of their own (--snr, --order, …; λ is --sampleLambda)."),
  sampleLambda: documented(numberAtLeast(0), 'λ of euler-maruyama for those samples: 0 the probability-flow ODE (sde-core\'s defaultLambda) … 1 the backward SDE.'),
  /** checkpointEvery, maxRetries: see checkpointFields. */
  ...checkpointFields,
  out: documented(t.string, "Output folder ('' = runs/toy2d-<dataset>-seed<seed>)."),
  resume: documented(t.boolean, 'Continue the run in --out from its checkpoint.'),
});
export type Toy2dConfig = t.TypeOf<typeof Toy2dConfig>;

export { toy2dDefaults };

/** The command-line flags: every field of the schema, with the kind of its codec. */
export const toy2dFlags = flagsOf(Toy2dConfig);

/** Fields that do not change what a run computes (a resumed run may change them). */
export const toy2dNonIdentityFields = ['out', 'resume', 'iters', 'checkpointEvery', 'samples', 'sampler', 'sampleLambda', 'workers'] as const;

/**
 * What identifies a run (compared with its config.json on `--resume`): every field but
 * `toy2dNonIdentityFields`, and the cloud fields only for dataset 'points' (so runs of the toys
 * written before those fields existed still resume).
 */
export function toy2dIdentity(config: Toy2dConfig): Record<string, unknown> {
  const skip = new Set<string>([...toy2dNonIdentityFields, ...(config.dataset === 'points' ? [] : ['points', 'jitter'])]);
  return Object.fromEntries(Object.entries(config).filter(([k]) => !skip.has(k)));
}

/**
 * A toy2d configuration: `overrides` over `toy2dDefaults`, decoded strictly, then the cloud checked
 * against the dataset — 'points' needs a non-empty `points`, a toy takes none. Every error names
 * its field (`points`) and what is allowed; `overridesSource` names where the overrides came from.
 */
export function resolveToy2dConfig(overrides: unknown, overridesSource?: string): E.Either<ExperimentError, Toy2dConfig> {
  return pipe(
    resolveConfig(Toy2dConfig, toy2dDefaults, overrides, overridesSource === undefined ? {} : { overridesSource }),
    E.chain((c) => {
      if (c.dataset === 'points' && c.points.length === 0)
        return E.left(configInvalid('points', "dataset 'points' needs its cloud: --points=<file.npy> (an array of shape [n, 2], n ≥ 1)"));
      if (c.dataset !== 'points' && c.points.length > 0)
        return E.left(configInvalid('points', `only dataset 'points' takes a cloud, the dataset is '${c.dataset}': drop --points or pass --dataset=points`));
      return E.right(c);
    }),
  );
}

/**
 * The command line's `--points=<file.npy>` read into the configuration: the file's [n, 2] array
 * (float32 or float64, n ≥ 1, finite) as `points` pairs, and `dataset: 'points'` unless `--dataset`
 * was given. A missing, malformed or wrongly shaped file is one error naming it and what is allowed.
 * Overrides without `points` come back unchanged.
 */
export function readPointsFlag(overrides: Readonly<Record<string, unknown>>): TE.TaskEither<ExperimentError, Record<string, unknown>> {
  const file = overrides['points'];
  if (file === undefined) return TE.right({ ...overrides });
  if (typeof file !== 'string') return TE.left(configInvalid('points', 'on the command line must name a .npy file: --points=<file.npy>'));
  return pipe(
    readNpyMatrix(file, 'write the points as a .npy array of shape [n, 2] (float32 or float64), e.g. numpy.save("points.npy", xy), and pass --points=points.npy'),
    TE.chainEitherK((m) =>
      pipe(
        decodePointCloud(m.data, [m.rows, m.cols], 0, file),
        E.map(() => Array.from({ length: m.rows }, (_, i) => [m.data[2 * i] as number, m.data[2 * i + 1] as number])),
      ),
    ),
    TE.map((points) => ({ dataset: 'points', ...overrides, points })),
  );
}

/** The default output folder of a configuration. */
export function defaultOut(config: Pick<Toy2dConfig, 'dataset' | 'seed'>): string {
  return `runs/toy2d-${config.dataset}-seed${config.seed}`;
}
