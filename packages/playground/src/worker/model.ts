/**
 * Everything the playground computes, on the library's public API: DiffFlow and the DDPM baseline
 * built, trained, sampled, scrubbed and saved exactly as the toy2d CLI does, so checkpoints move
 * between the page and `toy2d:sample` / `toy2d:eval` both ways. The only module of the page that
 * touches the library (the worker drives it; the UI never sees a tensor). The toy2d model, data
 * stream and defaults come from `@diffflow/experiment-toy2d/browser`, the toy2d package's Node-free entry.
 *
 * Coordinates: data sets, samples and heat-maps are in the data set's own coordinates; trajectories
 * and the drift field are in the model's normalised coordinates (where the noise end is N(0, I)).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { disposeTrajectory, fixedGrid, forwardNoise, simulateForward, vpSchedule, type DiffusionModel, type TimeGrid, type VpSchedule } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { ddpmEpsilonNetworkOptions, ddpmModel } from '@diffflow/losses';
import { dataLogDensityGrid, sampleWith, SamplerModelError, type SamplerSpec } from '@diffflow/likelihood';
import { pointCloud } from '@diffflow/datasets/toy2d';
import { decodeNormalizer, normalizerLogDet, type Normalizer } from '@diffflow/datasets/normalizer';
import { checkSettings, FIXED_T_MIN, type DatasetChoice, type PlaygroundSettings } from '../settings.js';
import { sameShape, shapeFields } from '../pretrained.js';
import { decodeHistory, emptyHistory, type LossHistory } from '../curve.js';
import type { FirstSight } from '../first_sight.js';
import { plotBounds } from '../plot/bounds.js';

export type { DatasetChoice, PlaygroundSettings } from '../settings.js';
import {
  createDdpmTrainer,
  createTrainer,
  purposeSeed,
  type DdpmTrainer,
  type Trainer,
  type TrainerConfig,
  type TrainerState,
} from '@diffflow/training';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointTensor } from '@diffflow/runs/checkpoint';
import { sampleToy2dData, toy2dDefaults, toyBatch, toyModel, toyNormalizer, type Toy2dData } from '@diffflow/experiment-toy2d/browser';

// ---------------------------------------------------------------------------------------------
// settings

/**
 * The toy2d CLI's settings the page does not expose: its defaults (`toy2dDefaults`, the stochastic
 * adjoint among them — faster than naive backprop at the page's size too since its time tables and
 * batched score passes, docs/results/playground.md), and t₀, which the settings check against
 * (`FIXED_T_MIN`, the default's value).
 */
const { beta, flexible, layers, lr, lrDecay, lrDecayEvery, clip, ema, strategy, samples, checkpointEvery, maxRetries } = toy2dDefaults;
const fixed = { tMin: FIXED_T_MIN, beta, flexible, layers, lr, lrDecay, lrDecayEvery, clip, ema, strategy, samples, checkpointEvery, maxRetries } as const;

/** The DDPM baseline's settings (those of `toy2d:compare`). */
const ddpmFixed = { betaMin: 0.1, betaMax: 20, K: 1000, lossTMin: 1e-5, lr: 2e-3, lrDecay: 0.5, lrDecayEvery: 2000, clip: 1, ema: 0.995 } as const;

/** Jitter σ (data coordinates) of a drawn set: each training point is a cloud point + N(0, σ²I) (toy2d's default `jitter`). */
export const DRAWN_JITTER = toy2dDefaults.jitter;

// ---------------------------------------------------------------------------------------------
// a session: the models being trained

export interface Session {
  readonly settings: PlaygroundSettings;
  /** The drawn cloud, [n, 2] in data coordinates (drawn sets only). */
  readonly points: Float32Array | null;
  /** What is learned: the toy, or the drawn cloud with its jitter (datasets' `PointCloud`, toy2d's dataset 'points'). */
  readonly data: Toy2dData;
  readonly normalizer: Normalizer;
  readonly model: DiffusionModel;
  readonly trainer: Trainer;
  readonly ddpm: { readonly trainer: DdpmTrainer; readonly schedule: VpSchedule } | null;
  /** Data points for plots and the forward trajectories, data coordinates, [n, 2]. */
  readonly plotData: Float32Array;
  /** The loss history the session started with (a checkpoint's, else empty); the worker extends its own copy. */
  readonly history: LossHistory;
}

/** The toy2d trainer configuration of some settings (as `toy2d:train` builds it). */
function trainerConfig(s: PlaygroundSettings): TrainerConfig {
  return {
    seed: s.seed,
    lr: s.lr,
    lrDecay: fixed.lrDecay,
    lrDecayEvery: fixed.lrDecayEvery,
    clip: fixed.clip,
    emaDecay: fixed.ema,
    strategy: fixed.strategy,
    maxRetries: fixed.maxRetries,
    time: { tMin: fixed.tMin, tMax: s.T, beta: fixed.beta, steps: s.steps, flexible: fixed.flexible },
  };
}

/** Points of the data set for plots: a fixed draw (purpose 'plot-data'), data coordinates. */
export function datasetPoints(data: Toy2dData, seed: number, n: number): Float32Array {
  return sampleToy2dData(data, n, { seed: purposeSeed(seed, 'plot-data'), iteration: 0 });
}

/** The toy2d data stream of a session's settings: batch `iteration` of B points, normalised. */
function batchesOf(settings: PlaygroundSettings, data: Toy2dData, normalizer: Normalizer): (it: number) => tf.Tensor2D {
  return (it) => toyBatch(data, normalizer, settings.seed, settings.batch, it);
}

/** The DDPM baseline of a session: an ε-network of DiffFlow's two networks' parameter count, fresh. */
function createDdpm(settings: PlaygroundSettings, data: Toy2dData, normalizer: Normalizer): NonNullable<Session['ddpm']> {
  const schedule = vpSchedule({ betaMin: ddpmFixed.betaMin, betaMax: ddpmFixed.betaMax, steps: ddpmFixed.K });
  const network = fourierMlp({ ...ddpmEpsilonNetworkOptions({ dim: 2, hidden: settings.hidden, layers: fixed.layers }), seed: settings.seed });
  return { trainer: ddpmTrainerOf(network, schedule, settings, data, normalizer), schedule };
}

/** The DDPM baseline's trainer (those of `toy2d:compare`) for `network` on a session's data stream. */
function ddpmTrainerOf(network: DdpmTrainer['network'], schedule: VpSchedule, settings: PlaygroundSettings, data: Toy2dData, normalizer: Normalizer): DdpmTrainer {
  return createDdpmTrainer(
    network,
    schedule,
    {
      seed: purposeSeed(settings.seed, 'ddpm/loss'),
      lr: ddpmFixed.lr,
      lrDecay: ddpmFixed.lrDecay,
      lrDecayEvery: ddpmFixed.lrDecayEvery,
      clip: ddpmFixed.clip,
      emaDecay: ddpmFixed.ema,
      tMin: ddpmFixed.lossTMin,
      time: 'continuous',
      maxRetries: fixed.maxRetries,
    },
    batchesOf(settings, data, normalizer),
  );
}

/**
 * Builds the models of a session: DiffFlow as `toy2d:train` does (toyModel, the toy2d trainer, its
 * data stream `toyBatch` and normaliser `toyNormalizer` — for a drawing those of toy2d's dataset
 * 'points') and, when asked, the DDPM baseline with an ε-network of DiffFlow's two networks'
 * parameter count.
 * @param points the drawn cloud, [n, 2] with n ≥ 2 (required when `settings.dataset` is 'drawn')
 * @param jitter σ of the drawn cloud's jitter (a CLI run's `jitter` when restored from one)
 */
export function createSession(settings: PlaygroundSettings, points: Float32Array | null, restored?: Normalizer, jitter: number = DRAWN_JITTER): Session {
  const problem = checkSettings(settings);
  if (problem !== null) throw new RangeError(problem);
  if (settings.dataset === 'drawn' && (points === null || points.length < 4)) throw new RangeError('a drawn data set needs at least 2 points');
  const data: Toy2dData = settings.dataset === 'drawn' ? pointCloud(points as Float32Array, jitter) : settings.dataset;
  const normalizer = restored ?? toyNormalizer(data, settings.seed);
  const model = toyModel({ hidden: settings.hidden, layers: fixed.layers, g: settings.g, seed: settings.seed, T: settings.T });
  const trainer = createTrainer(model, trainerConfig(settings), batchesOf(settings, data, normalizer));
  const ddpm = settings.ddpm ? createDdpm(settings, data, normalizer) : null;
  return { settings, points, data, normalizer, model, trainer, ddpm, plotData: datasetPoints(data, settings.seed, 1500), history: emptyHistory };
}

/**
 * The session under settings of the same model shape (`sameShape`: dataset, width, g, T and seed
 * unchanged) with N, batch, learning rate and the DDPM baseline changed: DiffFlow's networks are
 * kept and its trainer rebuilt for the new settings with its state (iteration, Adam, EMA) restored;
 * DDPM is kept the same way, started fresh when switched on, disposed when switched off. `s` must not
 * be used afterwards (its trainers are disposed; its networks live on in the result).
 * @throws RangeError when the settings are invalid or change the model's shape
 */
export function retrain(s: Session, settings: PlaygroundSettings, history: LossHistory = s.history): Session {
  const problem = checkSettings(settings);
  if (problem !== null) throw new RangeError(problem);
  if (!sameShape(s.settings, settings)) throw new RangeError(`retrain: ${shapeFields.join(', ')} must stay as they are (they define the model); start a new session instead`);
  const trainer = createTrainer(s.model, trainerConfig(settings), batchesOf(settings, s.data, s.normalizer));
  moveState(s.trainer, trainer);
  let ddpm: Session['ddpm'] = null;
  if (settings.ddpm && s.ddpm !== null) {
    ddpm = { trainer: ddpmTrainerOf(s.ddpm.trainer.network, s.ddpm.schedule, settings, s.data, s.normalizer), schedule: s.ddpm.schedule };
    moveState(s.ddpm.trainer, ddpm.trainer);
  } else if (settings.ddpm) {
    ddpm = createDdpm(settings, s.data, s.normalizer);
  } else if (s.ddpm !== null) {
    s.ddpm.trainer.dispose();
    s.ddpm.trainer.network.dispose();
  }
  return { ...s, settings, trainer, ddpm, history };
}

/**
 * A new session for `settings` (and a drawn cloud `points`) whose DiffFlow networks, Adam moments
 * and EMA start from `from`'s instead of a fresh initialisation — fine-tuning a trained model on new
 * data, with the new data's own normaliser and the iteration count back at 0 (DDPM, when on,
 * starts fresh). `from` is left as it was.
 * @throws RangeError when the settings are invalid or their model shape (width, g, T, seed) differs from `from`'s
 */
export function warmStartSession(from: Session, settings: PlaygroundSettings, points: Float32Array | null): Session {
  const shape = shapeFields.filter((k) => k !== 'dataset');
  if (shape.some((k) => from.settings[k] !== settings[k])) throw new RangeError(`warmStartSession: ${shape.join(', ')} must be those of the model it starts from`);
  const s = createSession(settings, points);
  const state = from.trainer.state();
  try {
    s.trainer.restore({ ...state, iteration: 0 });
  } catch (e) {
    disposeSession(s);
    throw e;
  } finally {
    tf.dispose([...state.tensors.values()]);
  }
  return s;
}

/** Copies a trainer's state (iteration, Adam, EMA) into another of the same networks, then disposes the old one. */
function moveState(from: Pick<Trainer, 'state' | 'dispose'>, to: Pick<Trainer, 'restore'>): void {
  const state = from.state();
  try {
    to.restore(state);
  } finally {
    tf.dispose([...state.tensors.values()]);
  }
  from.dispose();
}

export function disposeSession(s: Session): void {
  s.trainer.dispose();
  s.model.sde.drift.dispose();
  s.model.score.dispose();
  if (s.ddpm !== null) {
    s.ddpm.trainer.dispose();
    s.ddpm.trainer.network.dispose();
  }
}

/** The fixed grid L_β at N steps (what sampling, trajectories and the heat-map use). */
export function evaluationGrid(s: PlaygroundSettings, steps = s.steps): TimeGrid {
  return fixedGrid({ steps, tMin: fixed.tMin, tMax: s.T, beta: fixed.beta });
}

// ---------------------------------------------------------------------------------------------
// what the page shows

/** The log-density map's resolution: the worker starts at `start` and adapts within [min, max] to its time budget. */
export const HEATMAP_RES = { min: 12, start: 28, max: 40 } as const;

/** What the page samples with: a registry sampler as plain data (`sampler_menu.ts`), N steps, n samples, the seed. */
export interface SamplerSettings {
  /** The menu's sampler and its settings (λ for the λ-family; the others at their defaults). */
  readonly spec: SamplerSpec;
  readonly steps: number;
  readonly n: number;
  readonly seed: number;
}

/** t_0 of the DDPM baseline's sampling grid over [t_0, 1] (toy2d:compare's `eval.ddpmNllTMin`; its score is undefined at 0). */
export const DDPM_SAMPLE_T_MIN = 1e-3;

/** Samples, or why the chosen sampler cannot run the model (its `SamplerModelError`'s message). */
export type Sampled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** `run()`, or the message of the `SamplerModelError` it threw (any other error is rethrown). */
function sampledOrProblem<T>(run: () => T): Sampled<T> {
  try {
    return { ok: true, value: run() };
  } catch (e) {
    if (e instanceof SamplerModelError) return { ok: false, problem: e.message };
    throw e;
  }
}

/**
 * DiffFlow samples with the EMA weights, as `toy2d:sample` draws them: the spec's registry sampler
 * on the fixed grid, seed purposeSeed(seed, 'sample') (euler-maruyama at λ with its Tweedie last
 * step is `sampleMarginal`'s draw bit for bit). Data coordinates, [n, 2]. With `trajectory`, also
 * every state x_N … x_0 in model coordinates. A sampler that cannot run DiffFlow's learned drift
 * (dpm-solver, dpm-solver-sde, ddpm-ancestral) gives its message instead.
 */
export function diffflowSamples(s: Session, o: SamplerSettings, trajectory = false): Sampled<{ samples: Float32Array; states: Float32Array[] }> {
  return sampledOrProblem(() =>
    s.trainer.ema.withAveraged(() => {
      const out = sampleWith(o.spec, s.model, {
        grid: evaluationGrid(s.settings, o.steps),
        n: o.n,
        shape: [2],
        seed: purposeSeed(o.seed, 'sample'),
        trajectory,
      });
      const samples = s.normalizer.denormalize(out.samples.dataSync() as Float32Array);
      out.samples.dispose();
      const states = out.trajectory === undefined ? [] : out.trajectory.states.map((x) => x.dataSync() as Float32Array);
      if (out.trajectory !== undefined) disposeTrajectory(out.trajectory);
      return { samples, states };
    }),
  );
}

/**
 * DDPM baseline samples with its EMA weights: the spec's registry sampler on the baseline as a
 * model (`ddpmModel`: the VP SDE and the score −ε_θ/σ), N steps uniform in t over
 * [{@link DDPM_SAMPLE_T_MIN}, 1], as toy2d:compare's registry samplers. Data coordinates; null when
 * the baseline is off.
 */
export function ddpmSamples(s: Session, o: SamplerSettings): Sampled<Float32Array> | null {
  if (s.ddpm === null) return null;
  const { trainer, schedule } = s.ddpm;
  const model = ddpmModel(trainer.network, schedule); // wraps the network: nothing of its own to dispose
  return sampledOrProblem(() =>
    trainer.ema.withAveraged(() => {
      const grid = fixedGrid({ steps: o.steps, tMin: DDPM_SAMPLE_T_MIN, tMax: 1, beta: 1 });
      const x = sampleWith(o.spec, model, { grid, n: o.n, shape: [2], seed: purposeSeed(o.seed, 'ddpm-sample') }).samples;
      const values = x.dataSync() as Float32Array;
      x.dispose();
      return s.normalizer.denormalize(values);
    }),
  );
}

/**
 * The learned forward process (EMA weights) from data: states x_0 … x_N of `n` plot points at the
 * grid's times, model coordinates (the "continental plates" of the paper's Fig. 4).
 */
export function forwardStates(s: Session, n: number): Float32Array[] {
  return s.trainer.ema.withAveraged(() => {
    const x0 = tf.tensor2d(s.normalizer.normalize(s.plotData.subarray(0, 2 * n)), [n, 2]);
    const traj = simulateForward(
      (x, t) => s.model.sde.drift.apply(x, t),
      s.model.sde.diffusion,
      x0,
      evaluationGrid(s.settings),
      forwardNoise(purposeSeed(s.settings.seed, 'strip'), 0),
    );
    const states = traj.states.map((x) => x.dataSync() as Float32Array);
    disposeTrajectory(traj);
    x0.dispose();
    return states;
  });
}

/**
 * The learned forward drift f_θ(x, t_i) (EMA weights) on a side × side lattice over
 * [−extent, extent]² at every time of the grid. Model coordinates.
 * @returns lattice points [side², 2] and, per grid time, the drift there [side², 2]
 */
export function driftField(s: Session, side: number, extent: number): { points: Float32Array; drift: Float32Array[]; times: number[] } {
  const points = new Float32Array(side * side * 2);
  for (let r = 0; r < side; r++)
    for (let c = 0; c < side; c++) {
      points[2 * (r * side + c)] = -extent + (2 * extent * c) / (side - 1);
      points[2 * (r * side + c) + 1] = -extent + (2 * extent * r) / (side - 1);
    }
  const times = [...evaluationGrid(s.settings)];
  const drift = s.trainer.ema.withAveraged(() =>
    times.map((t) =>
      tf.tidy(() => {
        const f = s.model.sde.drift.apply(tf.tensor2d(points, [side * side, 2]), t);
        return f.dataSync() as Float32Array;
      }),
    ),
  );
  return { points, drift, times };
}

/**
 * log p_x of DiffFlow (EMA weights) on a res × res picture of `bounds` in data coordinates, by the
 * probability-flow ODE (RK4 on the fixed grid, exact trace) through the normaliser (likelihood's
 * `dataLogDensityGrid`, as toy2d:eval draws its heat-map); row 0 at the top.
 */
export function logDensityPicture(s: Session, bounds: readonly [number, number, number, number], res: number): Float32Array {
  return s.trainer.ema.withAveraged(() =>
    dataLogDensityGrid(s.model, {
      bounds,
      toModel: (x) => s.normalizer.normalize(x),
      logDet: normalizerLogDet(s.normalizer),
      resolution: res,
      grid: evaluationGrid(s.settings),
      solver: 'rk4',
    }),
  );
}

/**
 * What the page first shows of a session (`FirstSight`, stored beside a pretrained checkpoint):
 * its samples under `sampler`, its plot data and window, and its log-density map at `res` — the
 * draw the worker's first plots make (`sendVisuals`, `sendHeatmap`).
 * @throws Error when `sampler` cannot run DiffFlow
 */
export function firstSightOf(s: Session, sampler: SamplerSettings, res: number): FirstSight {
  const run = diffflowSamples(s, sampler);
  if (!run.ok) throw new Error(`firstSightOf: ${run.problem}`);
  const bounds = plotBounds(s.settings.dataset, s.plotData);
  return {
    iteration: s.trainer.iteration,
    sampler: { spec: sampler.spec, steps: sampler.steps, n: sampler.n, seed: sampler.seed },
    bounds,
    samples: run.value.samples,
    data: s.plotData.slice(),
    density: { res, logDensity: logDensityPicture(s, bounds, res) },
  };
}

// ---------------------------------------------------------------------------------------------
// checkpoints in the CLI's format

/**
 * The toy2d configuration a checkpoint stores, field for field what `toy2d:train` writes (its
 * defaults where the page has no setting). A drawing is toy2d's dataset 'points' with the cloud in
 * `points` ([[x, y], …]) and its `jitter`, so `toy2d:eval` and `toy2d:sample` evaluate and sample it.
 */
export function toy2dConfigOf(s: PlaygroundSettings, data: Toy2dData, iteration: number): Record<string, unknown> {
  const cloud = typeof data === 'string' ? null : data;
  const points: [number, number][] = [];
  if (cloud !== null) for (let i = 0; i < cloud.points.length; i += 2) points.push([cloud.points[i] as number, cloud.points[i + 1] as number]);
  return {
    ...toy2dDefaults,
    ...fixed,
    dataset: cloud === null ? s.dataset : 'points',
    points,
    jitter: cloud?.jitter ?? toy2dDefaults.jitter,
    iters: Math.max(1, iteration),
    batchSize: s.batch,
    steps: s.steps,
    T: s.T,
    g: s.g,
    hidden: s.hidden,
    lr: s.lr,
    seed: s.seed,
    out: `runs/playground-${cloud === null ? s.dataset : 'points'}-seed${s.seed}`,
    resume: false,
  };
}

const tensorsOf = (state: TrainerState, prefix: string): Record<string, CheckpointTensor> => {
  const out: Record<string, CheckpointTensor> = {};
  for (const [name, t] of state.tensors) out[prefix + name] = { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
  tf.dispose([...state.tensors.values()]);
  return out;
};

/**
 * The session as a checkpoint file, the bytes `toy2d:train` would write at this iteration:
 * meta {config, normalizer, backend, iteration, adamStep, emaUpdates} and tensors 'param/…',
 * 'adam/m/…', 'adam/v/…', 'ema/…'; a drawn cloud travels in config.points (toy2d's dataset 'points').
 * The page adds meta.playground (its settings and the loss `history`) and the DDPM baseline's state
 * under 'ddpm/…' (which the CLI ignores).
 */
export function checkpointBytes(s: Session, backend: string, history: LossHistory = s.history): Uint8Array {
  const state = s.trainer.state();
  const meta: Record<string, unknown> = {
    config: toy2dConfigOf(s.settings, s.data, state.iteration),
    normalizer: s.normalizer.toJSON(),
    backend,
    iteration: state.iteration,
    adamStep: state.adamStep,
    emaUpdates: state.emaUpdates,
    playground: { settings: s.settings, history },
  };
  const tensors = tensorsOf(state, '');
  if (s.ddpm !== null) {
    const d = s.ddpm.trainer.state();
    Object.assign(tensors, tensorsOf(d, 'ddpm/'));
    meta['ddpm'] = { iteration: d.iteration, adamStep: d.adamStep, emaUpdates: d.emaUpdates };
  }
  const ckpt: Checkpoint = { meta, tensors };
  return encodeCheckpoint(ckpt);
}

const count = (meta: Record<string, unknown>, key: string): number | string => {
  const v = meta[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : `meta.${key} must be an integer ≥ 0, got ${JSON.stringify(v)}`;
};

/** A stored cloud as row-major values: config.points pairs [[x, y], …] (or the flat list page files had before). */
function cloudValues(raw: unknown): number[] | null {
  if (!Array.isArray(raw)) return null;
  const flat = raw.every((p) => Array.isArray(p) && p.length === 2) ? (raw as unknown[][]).flat() : raw;
  return flat.length >= 4 && flat.length % 2 === 0 && flat.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (flat as number[]) : null;
}

/**
 * The page's settings of a checkpoint's meta: its playground block, or its toy2d config (a CLI run;
 * toy2d's dataset 'points' is the page's drawing, its cloud and jitter from config.points and config.jitter).
 */
function settingsOf(meta: Record<string, unknown>): E.Either<string, { settings: PlaygroundSettings; points: Float32Array | null; jitter: number }> {
  const pg = meta['playground'] as { settings?: PlaygroundSettings; points?: unknown } | undefined;
  const config = meta['config'] as Record<string, unknown> | undefined;
  if (typeof config !== 'object' || config === null) return E.left('it has no toy2d config (meta.config)');
  const num = (k: string): number => (typeof config[k] === 'number' ? (config[k] as number) : Number.NaN);
  if (num('layers') !== fixed.layers) return E.left(`its networks have ${String(config['layers'])} hidden layers; the page builds ${fixed.layers}`);
  const settings: PlaygroundSettings = {
    dataset: (pg?.settings?.dataset ?? (config['dataset'] === 'points' ? 'drawn' : config['dataset'])) as DatasetChoice,
    steps: num('steps'),
    g: num('g'),
    T: num('T'),
    hidden: num('hidden'),
    batch: typeof config['batchSize'] === 'number' ? num('batchSize') : num('batch'), // 'batch' before the toy2d package
    lr: typeof config['lr'] === 'number' ? num('lr') : fixed.lr,
    seed: num('seed'),
    ddpm: pg?.settings?.ddpm === true && meta['ddpm'] !== undefined,
  };
  const problem = checkSettings(settings);
  if (problem !== null) return E.left(`its config does not fit the page: ${problem}`);
  const jitter = config['jitter'] === undefined ? DRAWN_JITTER : num('jitter');
  if (settings.dataset !== 'drawn') return E.right({ settings, points: null, jitter });
  const values = cloudValues(config['points']) ?? cloudValues(pg?.points);
  if (values === null) return E.left('it is a drawn data set (toy2d dataset \'points\') without a valid cloud: config.points must hold at least 2 finite [x, y] pairs');
  if (!(jitter > 0) || !Number.isFinite(jitter)) return E.left(`its config.jitter must be a finite number > 0, got ${String(config['jitter'])}`);
  return E.right({ settings, points: Float32Array.from(values), jitter });
}

/** Restores a trainer from checkpoint tensors under `prefix` (names as in `TrainerState`). */
function restoreTrainer(trainer: Pick<Trainer, 'restore'>, ckpt: Checkpoint, counters: Record<string, unknown>, prefix: string): string | null {
  const c = ['iteration', 'adamStep', 'emaUpdates'].map((k) => count(counters, k));
  const bad = c.find((v) => typeof v === 'string');
  if (bad !== undefined) return bad as string;
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of Object.entries(ckpt.tensors)) if (name.startsWith(prefix)) tensors.set(name.slice(prefix.length), tf.tensor(t.data, t.shape, 'float32'));
  try {
    trainer.restore({ iteration: c[0] as number, adamStep: c[1] as number, emaUpdates: c[2] as number, tensors });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

/**
 * A session from checkpoint bytes, written by the page or by `toy2d:train`. A foreign, corrupted or
 * incompatible file → Left(one line saying why), and nothing is built (the caller's session is
 * untouched). A CLI checkpoint restores weights, Adam, EMA and the iteration.
 */
export function sessionFromCheckpoint(bytes: Uint8Array, name: string): E.Either<string, Session> {
  const decoded = decodeCheckpoint(bytes, name);
  if (E.isLeft(decoded)) return E.left(`${name}: ${decoded.left.reason}`);
  const ckpt = decoded.right;
  const parsed = settingsOf(ckpt.meta);
  if (E.isLeft(parsed)) return E.left(`${name}: ${parsed.left}`);
  const normalizer = decodeNormalizer(ckpt.meta['normalizer'], name);
  if (E.isLeft(normalizer)) return E.left(`${name}: its normalizer is invalid`);
  const { settings, points, jitter } = parsed.right;
  const pg = ckpt.meta['playground'] as { history?: unknown } | undefined;
  const session = { ...createSession(settings, points, normalizer.right, jitter), history: decodeHistory(pg?.history) };
  const failed =
    restoreTrainer(session.trainer, ckpt, ckpt.meta, '') ??
    (session.ddpm !== null ? restoreTrainer(session.ddpm.trainer, ckpt, ckpt.meta['ddpm'] as Record<string, unknown>, 'ddpm/') : null);
  if (failed !== null) {
    disposeSession(session);
    return E.left(`${name}: ${failed}`);
  }
  return E.right(session);
}
