import * as tf from '@tensorflow/tfjs-core';
import { fixedGrid, forwardNoise, forwardSnapshots, replayableNormals, vpSde, type Diffusion, type DiffusionModel, type TimeField, type TimeGrid, type TrajectorySnapshots, purposeSeed } from '@diffflow/sde-core';
import { ddpmAncestralSample, ddpmModel } from '@diffflow/losses';
import { sampleWith } from '@diffflow/likelihood';
import { hasKnownSupport, insideSupport, sampleToy, toyLabels, toySupportTolerance, type Normalizer, type ToyName } from '@diffflow/datasets';
import { type Ema } from '@diffflow/training';
import { drawSamples, heldOutPoints } from '@diffflow/experiment-toy2d';
import { compareSamplers, type CompareConfig } from './config.js';
import { chancePurity, finiteRows, medianPairwiseDistance, neighbourPurity, twoSample } from '@diffflow/metrics';
import type { TrainedDdpm, TrainedDiffFlow } from './models.js';
import { heldOutNll, type CompareModel } from '@diffflow/experiment';

/** How close a set of model samples is to held-out data (dataset coordinates). */
export interface SampleQuality {
  /** Unbiased MMD² (RBF, bandwidth ℓ fixed per dataset by the median heuristic on the held-out set). */
  readonly mmd2: number | null;
  /** The same at ℓ / FINE_SCALE: sensitive to detail the median bandwidth smooths over. */
  readonly mmd2Fine: number | null;
  /** Unbiased energy distance 2E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖. */
  readonly energy: number | null;
  /** Fraction of samples within the dataset's support tolerance (null: support unknown). */
  readonly support: number | null;
  /** The same within the relaxed tolerance max(own tolerance, `eval.relaxedSupport` × ℓ) (null: support unknown). */
  readonly supportRelaxed: number | null;
  /** Samples that were not finite (left out of every statistic). */
  readonly nonFinite: number;
}

/** An NLL summary in the dataset's own coordinates (nats per sample). */
export interface NllRecord {
  readonly nats: number | null;
  readonly standardError: number | null;
  readonly points: number;
  readonly nfe: number | null;
  readonly seconds: number;
  /** Why there is no number, when there is none. */
  readonly error?: string;
}

/** Everything an evaluation of one dataset needs. */
export interface DatasetContext {
  readonly config: CompareConfig;
  readonly dataset: ToyName;
  readonly normalizer: Normalizer;
  /** log|det ∂y/∂x| of the normalisation: NLL_x = NLL_y − logDet. */
  readonly logDet: number;
  /** Held-out data (dataset coordinates), [heldOut, 2]. */
  readonly heldOut: Float32Array;
  /** A second, independent held-out sample: the statistics' noise floor (data vs data). */
  readonly reference: Float32Array;
  /** The RBF bandwidth of this dataset (median heuristic on the held-out set). */
  readonly bandwidth: number;
  readonly diffflow: TrainedDiffFlow;
  readonly ddpm: TrainedDdpm;
  /** Samples already drawn, by 'diffflow/N' or 'ddpm/N'. */
  readonly cache: Map<string, Float32Array>;
}

/** The fine-scale MMD² uses the median-heuristic bandwidth divided by this. */
export const FINE_SCALE = 10;

/** The held-out sets and bandwidth of a dataset (independent of the models): toy2d's held-out points of the seed, and a second draw. */
export function heldOutData(config: CompareConfig, dataset: ToyName): { heldOut: Float32Array; reference: Float32Array; bandwidth: number } {
  const heldOut = heldOutPoints(dataset, config.seed, config.eval.heldOut);
  const reference = sampleToy(dataset, config.eval.samples, { seed: purposeSeed(config.seed, 'test-reference'), iteration: 0 });
  return { heldOut, reference, bandwidth: medianPairwiseDistance(heldOut, 2) };
}

/** MMD², energy distance and support fraction of `samples` against the held-out set. */
export function sampleQuality(ctx: Pick<DatasetContext, 'config' | 'dataset' | 'heldOut' | 'bandwidth'>, samples: Float32Array): SampleQuality {
  const { points, dropped } = finiteRows(samples, 2);
  const n = points.length / 2;
  // non-finite points count as outside
  const known = hasKnownSupport(ctx.dataset);
  const support = known ? insideSupport(ctx.dataset, samples) : null;
  const supportRelaxed = known ? insideSupport(ctx.dataset, samples, relaxedTolerance(ctx)) : null;
  if (n < 2) return { mmd2: null, mmd2Fine: null, energy: null, support, supportRelaxed, nonFinite: dropped };
  const s = twoSample(points, ctx.heldOut, 2, [ctx.bandwidth, ctx.bandwidth / FINE_SCALE]);
  return { mmd2: s.mmd2[0] as number, mmd2Fine: s.mmd2[1] as number, energy: s.energy, support, supportRelaxed, nonFinite: dropped };
}

/** The relaxed support tolerance of a dataset: max(its own tolerance, relaxedSupport × ℓ), dataset coordinates. */
export function relaxedTolerance(ctx: Pick<DatasetContext, 'config' | 'dataset' | 'bandwidth'>): number {
  const own = hasKnownSupport(ctx.dataset) ? toySupportTolerance[ctx.dataset] : 0;
  return Math.max(own, ctx.config.eval.relaxedSupport * ctx.bandwidth);
}

/** DiffFlow samples (EMA weights, `diffflow.sampler` and its settings — default euler-maruyama, λ = sde-core's defaultLambda, Tweedie last step — on the fixed grid with N steps), dataset coordinates. */
export function diffflowSamples(ctx: DatasetContext, steps: number): Float32Array {
  const key = `diffflow/${steps}`;
  const hit = ctx.cache.get(key);
  if (hit !== undefined) return hit;
  const out = drawSamples(ctx.diffflow.pool, ctx.diffflow.trainer, ctx.normalizer, ctx.config.eval.samples, ctx.config.seed, steps, compareSamplers(ctx.config).diffflow);
  ctx.cache.set(key, out);
  return out;
}

/** DDPM samples (EMA weights; `ddpm.sampler`: the ancestral chain strided to N of K steps, or a registry sampler with its settings on `ddpmModel` over [eval.ddpmNllTMin, 1]), dataset coordinates. */
export function ddpmSamples(ctx: DatasetContext, steps: number): Float32Array {
  const key = `ddpm/${steps}`;
  const hit = ctx.cache.get(key);
  if (hit !== undefined) return hit;
  const { network, schedule, trainer } = ctx.ddpm;
  const spec = compareSamplers(ctx.config).ddpm;
  const out = trainer.ema.withAveraged(() => {
    const seed = purposeSeed(ctx.config.seed, 'ddpm-sample');
    const grid = fixedGrid({ steps, tMin: ctx.config.eval.ddpmNllTMin, tMax: 1, beta: 1 });
    const s =
      spec !== 'ancestral'
        ? sampleWith(spec, ddpmModel(network, schedule), { grid, n: ctx.config.eval.samples, shape: [2], seed }).samples
        : ddpmAncestralSample(network, schedule, { n: ctx.config.eval.samples, shape: [2], steps, seed, variance: ctx.config.ddpm.variance });
    const values = s.dataSync() as Float32Array;
    s.dispose();
    return ctx.normalizer.denormalize(values);
  });
  ctx.cache.set(key, out);
  return out;
}

/**
 * Test NLL by the probability-flow ODE with the exact trace, in nats in the dataset's own
 * coordinates (@diffflow/experiment's `heldOutNll`: the ODE runs in the normalised coordinates y;
 * NLL_x = NLL_y − log|det ∂y/∂x|); a failure is recorded with its message, not thrown.
 */
export function odeNll(ctx: DatasetContext, model: DiffusionModel, average: Ema, grid: TimeGrid): NllRecord {
  const { nllPoints: points, nllSolver: solver, tolerance } = ctx.config.eval;
  const started = performance.now();
  const x = tf.tensor2d(ctx.normalizer.normalize(ctx.heldOut.subarray(0, 2 * points)), [points, 2]);
  try {
    const { nll } = average.withAveraged(() => heldOutNll(model, x, { grid, solver, rtol: tolerance, atol: tolerance, trace: { kind: 'exact' }, logDet: ctx.logDet }));
    return { nats: nll.nats, standardError: nll.standardError, points, nfe: nll.nfe, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { nats: null, standardError: null, points, nfe: null, seconds: (performance.now() - started) / 1000, error };
  } finally {
    x.dispose();
  }
}

/** DiffFlow's test NLL: the ODE on its own time range and warping, `diffflowNllSteps` steps. */
export function diffflowNll(ctx: DatasetContext): NllRecord {
  const { diffflow: d, eval: e } = ctx.config;
  return odeNll(ctx, ctx.diffflow.model, ctx.diffflow.trainer.ema, fixedGrid({ steps: e.diffflowNllSteps, tMin: d.tMin, tMax: d.T, beta: d.beta }));
}

/** DDPM's test NLL: the ODE of `ddpmModel` over [ddpmNllTMin, 1], `ddpmNllSteps` steps uniform in √t (fine steps near the data). */
export function ddpmNll(ctx: DatasetContext): NllRecord {
  const e = ctx.config.eval;
  return odeNll(ctx, ddpmModel(ctx.ddpm.network, ctx.ddpm.schedule), ctx.ddpm.trainer.ema, fixedGrid({ steps: e.ddpmNllSteps, tMin: e.ddpmNllTMin, tMax: 1, beta: 0.5 }));
}

// ---------------------------------------------------------------------------------------------
// topology: forward trajectories

/** Forward snapshots of one process (sde-core's `forwardSnapshots`: t_0 … T; [points, 2] at each), in the normalised coordinates the models work in. */
export interface ForwardSnapshots extends TrajectorySnapshots {
  readonly model: CompareModel;
}

/** The points of the trajectory strips (dataset coordinates) and their ring labels. */
export function trajectoryData(c: CompareConfig, dataset: ToyName): { points: Float32Array; labels: Int32Array } {
  const points = sampleToy(dataset, c.eval.trajectoryPoints, { seed: purposeSeed(c.seed, 'strip'), iteration: 0 });
  return { points, labels: toyLabels(dataset, points) };
}

/**
 * DiffFlow's learned forward SDE dx = f_θ(x, t) dt + g dw (EMA drift) on its training grid, from
 * the normalised data, with forward noise keyed (seed 'strip', iteration 0).
 */
export function diffflowForward(ctx: DatasetContext, x0: Float32Array): ForwardSnapshots {
  const c = ctx.config;
  const grid = fixedGrid({ steps: c.diffflow.trainSteps, tMin: c.diffflow.tMin, tMax: c.diffflow.T, beta: c.diffflow.beta });
  const model = ctx.diffflow.model;
  return ctx.diffflow.trainer.ema.withAveraged(() => forward('diffflow', (x, t) => model.sde.drift.apply(x, t), model.sde.diffusion, x0, grid, c));
}

/** DDPM's fixed forward process, the VP SDE dx = −½β(t)x dt + √β(t) dw, on K uniform steps over [0, 1]. */
export function ddpmForward(ctx: DatasetContext, x0: Float32Array): ForwardSnapshots {
  const c = ctx.config;
  const grid = fixedGrid({ steps: c.ddpm.K, tMin: 0, tMax: 1, beta: 1 });
  const sde = vpSde(ctx.ddpm.schedule);
  return forward('ddpm', (x, t) => sde.drift.apply(x, t), sde.diffusion, x0, grid, c);
}

function forward(model: CompareModel, f: TimeField, g: Diffusion, x0: Float32Array, grid: TimeGrid, c: CompareConfig): ForwardSnapshots {
  const start = tf.tensor2d(x0, [x0.length / 2, 2]);
  try {
    return { model, ...forwardSnapshots(f, g, start, grid, forwardNoise(purposeSeed(c.seed, `strip/${model}`), 0), c.eval.snapshots) };
  } finally {
    start.dispose();
  }
}

/** How the rings' identity survives along a forward trajectory. */
export interface TopologyRecord {
  readonly dataset: ToyName;
  readonly model: CompareModel;
  readonly times: readonly number[];
  /** k-NN label purity at each snapshot (1: rings stay apart; `chance`: fully mixed). */
  readonly purity: readonly number[];
  readonly chance: number;
  /** Energy distance between x_T and N(0, I) (normalised coordinates): has the process reached the prior? */
  readonly energyToPrior: number;
  /** MMD² between x_T and N(0, I) at the fine bandwidth (median pairwise distance of the N(0, I) sample / FINE_SCALE). */
  readonly mmd2FineToPrior: number;
}

export function topologyRecord(ctx: DatasetContext, snaps: ForwardSnapshots, labels: Int32Array): TopologyRecord {
  const k = ctx.config.eval.purityK;
  const last = snaps.states[snaps.states.length - 1] as Float32Array;
  const prior = replayableNormals(last.length, { seed: ctx.config.seed, purpose: 'compare/prior-reference', iteration: 0, step: 0 });
  const finite = finiteRows(last, 2).points;
  const toPrior = finite.length >= 4 ? twoSample(finite, prior, 2, [medianPairwiseDistance(prior, 2) / FINE_SCALE]) : undefined;
  return {
    dataset: ctx.dataset,
    model: snaps.model,
    times: snaps.times,
    purity: snaps.states.map((s) => (finiteRows(s, 2).dropped === 0 ? neighbourPurity(s, labels, 2, k) : Number.NaN)),
    chance: chancePurity(labels),
    energyToPrior: toPrior?.energy ?? Number.NaN,
    mmd2FineToPrior: toPrior?.mmd2[0] ?? Number.NaN,
  };
}
