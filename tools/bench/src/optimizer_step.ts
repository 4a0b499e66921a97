/**
 * The optimiser step (clipping, Adam with StepLR, EMA: training's `namedOptimizer`) of this
 * checkout against another checkout's, in one process, at the main job's configuration (toy2d's
 * defaults: two Fourier MLPs of width 64, B = 512, N = 30, clip 1), as issue 27's levers are A/B'd:
 *
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/optimizer_step.ts --base /tmp/base
 *   … --rounds 16 --updates 40 --threads 1,2
 *   … --model images --threads 2 --rounds 30   # the images cpu preset's two U-Nets (MNIST, 28×28): score warm-up iterations
 *
 * `--base` is a checkout of the other commit with its node_modules linked as for `versus_tree.ts`
 * (tools/bench/README.md); `--this <dir>` compares another checkout instead of this one.
 *
 * Printed:
 * 1. Exactness: each tree's `namedOptimizer` on its own copy of the toy2d model, 6 updates from
 *    the same seeded gradients (scaled so the clip is inactive, then active), every parameter,
 *    Adam moment and EMA shadow compared entry by entry (bitwise equal entries, largest difference).
 * 2. The update alone: kernels and op wrappers of one `tf.profile`d update, then `--updates`
 *    interleaved rounds of one update each (wall and CPU ms, medians, the per-round ratio).
 *    Also with gradients for the score's parameters only (the score warm-up's update).
 * 3. The trainer's whole iteration for each thread count of `--threads` (none: `--threads ''`),
 *    built as toy2d:train (or images:train) builds it, with the tree's own `dataParallel` pool;
 *    kernels of one profiled iteration (calling thread), `--rounds` interleaved rounds, and the
 *    trained state (parameters, moments, shadows) compared entry by entry.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageDataset } from '@diffflow/datasets';
import type { ImagesConfig, StepSchedule } from '@diffflow/experiment-images';
import type { DataParallel } from '@diffflow/parallel';
import type { DiffusionModel } from '@diffflow/sde-core';
import type { Trainer } from '@diffflow/training';
import { interleavedAb, roundRatios, spread, type AbTimes } from './ab_rounds.js';
import { pairFlags } from './pair_flags.js';

const flags = pairFlags('optimizer_step');
const args = flags.raw;
const count = (name: string, fallback: number): number => flags.integer(name, fallback);
const baseDir = flags.required('base', 'dir: a checkout of the other commit');
const rounds = count('rounds', 12);
const updates = count('updates', 30);
const modelName = args.model ?? 'toy2d';
if (modelName !== 'toy2d' && modelName !== 'images') {
  console.error(`optimizer_step: --model must be toy2d or images, got '${modelName}'`);
  process.exit(2);
}
const threadCounts = (args.threads ?? '1,2').split(',').filter((t) => t !== '').map(Number);
if (threadCounts.some((t) => !Number.isInteger(t) || t < 1)) {
  console.error(`optimizer_step: --threads must be a comma-separated list of integers ≥ 1, got '${args.threads}'`);
  process.exit(2);
}
const here = args.this === undefined ? resolve(fileURLToPath(import.meta.url), '../../../..') : resolve(args.this);

/** One tree's library, loaded from its TypeScript sources. */
interface Tree {
  readonly label: string;
  readonly core: typeof import('@diffflow/sde-core');
  readonly training: typeof import('@diffflow/training');
  readonly parallel: typeof import('@diffflow/parallel');
  readonly cli: typeof import('@diffflow/cli');
  readonly toy2d: typeof import('@diffflow/experiment-toy2d');
  readonly datasets: typeof import('@diffflow/datasets');
  readonly images: {
    readonly config: {
      readonly imagePresetDefaults: { readonly cpu: Omit<ImagesConfig, 'preset'> };
      checkImagesConfig(c: ImagesConfig): { _tag: 'Left' } | { _tag: 'Right'; right: { config: ImagesConfig; schedule: StepSchedule } };
    };
    readonly model: Pick<typeof import('@diffflow/experiment-images'), 'imageModel' | 'imagesPool'>;
    readonly train: {
      buildTrainer(c: ImagesConfig, s: StepSchedule, train: ImageDataset, ckpt: string, pool: DataParallel): Promise<{ model: DiffusionModel; trainer: Trainer }>;
    };
  };
}
const load = async (label: string, root: string): Promise<Tree> => ({
  label,
  core: await import(resolve(root, 'packages/sde-core/src/index.ts')),
  training: await import(resolve(root, 'packages/training/src/index.ts')),
  parallel: await import(resolve(root, 'packages/parallel/src/index.ts')),
  cli: await import(resolve(root, 'packages/cli/src/index.ts')),
  toy2d: await import(resolve(root, 'packages/experiments/toy2d/src/index.ts')),
  datasets: await import(resolve(root, 'packages/datasets/src/index.ts')),
  images: {
    config: await import(resolve(root, 'packages/experiments/images/src/config.ts')),
    model: await import(resolve(root, 'packages/experiments/images/src/index.ts')),
    train: await import(resolve(root, 'packages/experiments/images/src/train.ts')),
  },
});

const { selectBackend } = await import('@diffflow/backend');
const info = await selectBackend({ quiet: true });
const base = await load('base', resolve(baseDir));
const ours = await load('this', here);
const trees = [base, ours] as const;
const configOf = (tree: Tree) => {
  const c = tree.toy2d.resolveToy2dConfig({});
  if (c._tag === 'Left') throw new Error(`optimizer_step: ${tree.label}'s toy2d defaults do not decode`);
  return c.right;
};
const config = configOf(ours);
if (JSON.stringify(configOf(base)) !== JSON.stringify(config)) console.log('note: the two trees have different toy2d defaults; each tree uses its own');
// tfjs variable names are global and each tree numbers its networks from 1: models built and
// freed in the base tree first keep the two trees' live names apart (this run builds 1 + threads models a tree)
/** The images cpu preset's configuration (MNIST 28×28) and step schedule in `tree`. */
const imagesConfigOf = (tree: Tree): { config: ImagesConfig; schedule: StepSchedule } => {
  const checked = tree.images.config.checkImagesConfig({ ...tree.images.config.imagePresetDefaults.cpu, preset: 'cpu' });
  if (checked._tag === 'Left') throw new Error(`optimizer_step: ${tree.label}'s images cpu preset does not check`);
  return checked.right;
};
/** The model of part (1) and (2) and its optimiser settings: toy2d's defaults, or the images cpu preset on MNIST's 28×28×1. */
const optimizerModel = (tree: Tree) => {
  if (modelName === 'toy2d') return { model: tree.toy2d.toyModel(configOf(tree)), options: tree.cli.constantGTrainerConfig(configOf(tree)), lr: configOf(tree).lr };
  const { config: c } = imagesConfigOf(tree);
  return { model: tree.images.model.imageModel(c, 1), options: tree.cli.trainerSettings(c), lr: c.lr };
};
for (let k = 0; k < 1 + threadCounts.length; k++) base.training.disposeModel(optimizerModel(base).model);

const loadAt = (): string => (loadavg()[0] as number).toFixed(1);
const what =
  modelName === 'toy2d'
    ? `toy2d defaults (width ${config.hidden}, ${config.layers} layers, B = ${config.batchSize}, N = ${config.steps}, clip ${config.clip})`
    : `the images cpu preset's U-Nets on 28×28×1 (clip ${base.images.config.imagePresetDefaults.cpu.clip})`;
console.log(
  `optimizer_step: ${info.name}, ${what}; ` +
    `base = ${resolve(baseDir)}, this = ${here}; load ${loadAt()}`,
);

/** Entry-by-entry comparison of two equally long arrays. */
const compare = (a: ArrayLike<number>, b: ArrayLike<number>): { equal: number; maxAbs: number } => {
  let equal = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i])) equal++;
    maxAbs = Math.max(maxAbs, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return { equal, maxAbs };
};
/** Every tensor of a trainer state, keyed by stable name, as one array in key order. */
const flatState = (state: { tensors: Map<string, tf.Tensor> }): Float32Array => {
  const keys = [...state.tensors.keys()].sort();
  const parts = keys.map((k) => (state.tensors.get(k) as tf.Tensor).dataSync() as Float32Array);
  tf.dispose([...state.tensors.values()]);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
};
const fmt = (xs: number[]): string => spread(xs, 2);
const ratio = (xs: AbTimes['wall']): string => spread(roundRatios(xs), 3, 2);
/** Wall and CPU ms of each tree's unit per round, the order alternating. */
const interleave = interleavedAb;
const report = (what: string, n: number, loadStart: string, m: AbTimes): void => {
  console.log(`\n${what}: ${n} interleaved rounds, load ${loadStart} → ${loadAt()}`);
  console.log('| tree | wall ms, median (min–max) | CPU ms, median (min–max) |\n|---|---:|---:|');
  trees.forEach((t, k) => console.log(`| ${t.label} | ${fmt(m.wall[k] as number[])} | ${fmt(m.cpu[k] as number[])} |`));
  console.log(`this ÷ base, median of the rounds' ratios (min–max): wall ${ratio(m.wall)}, CPU ${ratio(m.cpu)}`);
};
/** Kernels (not `…__op` wrappers), wrappers and Σ kernel ms of one profiled call. */
const profiled = async (fn: () => void): Promise<string> => {
  const p = await tf.profile(fn);
  const kernels = p.kernels.filter((x) => !x.name.endsWith('__op'));
  const ms = kernels.reduce((s, x) => s + (typeof x.kernelTimeMs === 'number' ? x.kernelTimeMs : 0), 0);
  return `${kernels.length} | ${p.kernels.length - kernels.length} | ${ms.toFixed(1)}`;
};

// ---- 1. exactness and 2. the update alone ----
{
  const setups = trees.map((tree) => {
    const { model, options, lr } = optimizerModel(tree);
    const parameters = tree.training.namedParameters(model);
    const optimizer = tree.training.namedOptimizer(parameters, options);
    /** Seeded gradients of size `scale` per entry, keyed by this tree's variable names (the same values in both trees); `scoreOnly`: the score's parameters only. */
    const gradients = (iteration: number, scale: number, scoreOnly = false): tf.NamedTensorMap =>
      Object.fromEntries(
        parameters.flatMap((p, k) => (scoreOnly && !p.name.startsWith('score/') ? [] : [[
          p.variable.name,
          tf.tidy(() => tf.mul(tree.core.replayableNormal(p.variable.shape, { seed: 5, purpose: 'optimizer-bench', iteration, step: k }), scale)),
        ]])),
      );
    return { tree, model, optimizer, gradients, lr };
  });
  const first = setups[0] as (typeof setups)[0];
  const size = flatState(first.optimizer.state(0)).length;
  const count = first.model.sde.drift.parameters.length + first.model.score.parameters.length;
  console.log(`\n${modelName}: ${count} parameters; ${size} entries of parameters, moments and shadows compared`);
  // 1e-4 an entry: norm ≈ 1e-4·√P < 1 (inactive) up to P = 10⁸; the active scale puts the norm near 2
  const active = 2 / Math.sqrt(size / 4);
  console.log('\n| after | clip | bitwise equal entries | largest |difference| |\n|---|---|---:|---:|');
  for (const [it, scale, scoreOnly] of [[0, 1e-4, false], [1, 1e-4, true], [2, 1e-4, false], [3, active, false], [4, active, true], [5, active, false]] as const) {
    const norms = setups.map((s) => {
      const u = s.optimizer.update(s.gradients(it, scale, scoreOnly), s.lr, it);
      return 'gradNorm' in u ? u.gradNorm : Number.NaN;
    });
    const [a, b] = setups.map((s) => flatState(s.optimizer.state(it + 1)));
    const c = compare(a as Float32Array, b as Float32Array);
    console.log(`| update ${it + 1}${scoreOnly ? ' (score only)' : ''} | ${(norms[0] as number) > config.clip ? `active (norm ${(norms[0] as number).toFixed(3)})` : `inactive (norm ${(norms[0] as number).toFixed(4)})`} | ${c.equal} of ${size} | ${c.maxAbs.toExponential(2)} |`);
  }
  for (const scoreOnly of [false, true]) {
    const which = scoreOnly ? 'gradients of the score only' : 'every parameter with a gradient';
    console.log(`\n${which}:\n\n| tree | kernels / update | op wrappers | Σ kernel ms (profiled) |\n|---|---:|---:|---:|`);
    for (const s of setups) {
      const g = s.gradients(6, active, scoreOnly);
      console.log(`| ${s.tree.label} | ${await profiled(() => void s.optimizer.update(g, s.lr, 6))} |`);
    }
    if (updates > 0) {
      const loadStart = loadAt();
      const prepared = setups.map((s) => Array.from({ length: updates }, (_, r) => s.gradients(7 + r, active, scoreOnly)));
      report(`the optimiser step alone (clip active, ${which})`, updates, loadStart, interleave(updates, (k, r) => void setups[k]?.optimizer.update(prepared[k]?.[r] as tf.NamedTensorMap, setups[k]?.lr ?? 0, 7 + r)));
    }
  }
  for (const s of setups) {
    s.optimizer.dispose();
    s.tree.training.disposeModel(s.model);
  }
}

// ---- 3. the trainer's iteration ----
/** The trainer as toy2d:train builds it (toy2d's defaults), or images:train (the cpu preset on MNIST: its first iterations are the score warm-up's). */
const trainerOf = async (tree: Tree, threads: number): Promise<{ pool: DataParallel; model: DiffusionModel; trainer: Trainer }> => {
  if (modelName === 'images') {
    const { config: c, schedule } = imagesConfigOf(tree);
    const splits = await tree.datasets.loadImageSplits(c)();
    if (splits._tag === 'Left') throw new Error(`optimizer_step: no MNIST in ${tree.label}: ${JSON.stringify(splits.left)}`);
    const pool = await tree.images.model.imagesPool(c, splits.right.train.channels, threads);
    return { pool, ...(await tree.images.train.buildTrainer(c, schedule, splits.right.train, '', pool)) };
  }
  const c = configOf(tree);
  const pool = await tree.parallel.dataParallel({ spec: tree.toy2d.toyModelSpec(c), strategy: c.strategy, threads });
  const dataset = tree.toy2d.toy2dData(c);
  const normalizer = tree.toy2d.toyNormalizer(dataset, c.seed);
  const model = tree.toy2d.toyModel(c);
  const trainer = tree.training.createTrainer(model, { ...tree.cli.constantGTrainerConfig(c), gradients: pool.gradientsSync }, (it) =>
    tree.toy2d.toyBatch(dataset, normalizer, c.seed, c.batchSize, it),
  );
  return { pool, model, trainer };
};
for (const threads of threadCounts) {
  const runs = await Promise.all(trees.map(async (tree) => ({ tree, ...(await trainerOf(tree, threads)) })));
  for (const r of runs) r.trainer.step(); // warm-up: backend kernels, caches
  const phase = (runs[0] as (typeof runs)[0]).trainer.phaseAt(1);
  console.log(`\n### ${threads} thread${threads > 1 ? 's' : ''} (${phase})\n\n| tree | kernels / iteration (this thread) | op wrappers | Σ kernel ms (profiled) |\n|---|---:|---:|---:|`);
  for (const r of runs) console.log(`| ${r.tree.label} | ${await profiled(() => void r.trainer.step())} |`);
  if (rounds > 0) {
    const loadStart = loadAt();
    report(`training iteration, ${threads} thread${threads > 1 ? 's' : ''}`, rounds, loadStart, interleave(rounds, (k) => void runs[k]?.trainer.step()));
  }
  const [a, b] = runs.map((r) => flatState(r.trainer.state()));
  const c = compare(a as Float32Array, b as Float32Array);
  console.log(`after ${(runs[0] as (typeof runs)[0]).trainer.iteration} iterations: ${c.equal} of ${(a as Float32Array).length} state entries bitwise equal, largest |difference| ${c.maxAbs.toExponential(2)}`);
  for (const r of runs) {
    r.trainer.dispose();
    r.tree.training.disposeModel(r.model);
    await r.pool.dispose();
  }
}
