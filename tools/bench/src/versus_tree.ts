/**
 * A lever's A/B in one process: this checkout's library against another checkout's (issue 27's
 * "each lever A/B'd interleaved in one run"). Both run from TypeScript source on the one tfjs engine
 * and wasm backend of this process, so their numbers compare directly:
 *
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/versus_tree.ts --base /tmp/base
 *   … --hidden 64 --batch 512 --steps 30 --rounds 8          # the main job's configuration (defaults)
 *   … --batch 256 --steps 10                                   # the playground's
 *
 * `--threads 2` runs each tree's training iterations on its own `dataParallel` pool of that many
 * threads (its workers start from that tree's sources; the main job's two threads): then the
 * exactness rows compare the pooled gradients, the kernel table counts the calling thread's shard
 * only, and CPU time is the whole process's (all threads).
 *
 * `--this <dir>` compares another checkout instead of this one. `--base` is a checkout of the other commit (`git archive <commit> | tar -x -C dir`) whose
 * node_modules links every package of this checkout's node_modules except @diffflow/*, which link
 * its own packages (same tfjs modules, its own library).
 *
 * Printed:
 * 1. Exactness: one adjoint gradient (seed 0, iteration 0, one thread, the bench's reference model
 *    at `--hidden`) from each tree — each loss term and each gradient compared entry by entry
 *    (bitwise equal entries, largest |difference|, relative L2 error); and `--sample` points drawn
 *    with `sampleMarginal` (λ = 1 and λ = 0) from each.
 * 2. Kernels per iteration: one `tf.profile`d training iteration of each (gradients + Adam 1e-3, as
 *    the bench's train-step rows): kernels, op-level wrappers (`…__op` entries), Σ kernel ms.
 * 3. Speed (skipped with `--rounds 0`): `--rounds` rounds, each one unprofiled training iteration
 *    of each tree, in alternating order; then as many rounds of a `--sample`-point draw (λ = 0).
 *    Median wall and CPU ms (min–max), the medians of the per-round ratios, the 1-minute load.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleavedAb, roundRatios, spread, type AbTimes } from './ab_rounds.js';
import { pairFlags } from './pair_flags.js';

const flags = pairFlags('versus_tree');
const args = flags.raw;
const positive = (name: string, fallback: number): number => flags.integer(name, fallback);
const baseDir = flags.required('base', 'dir: a checkout of the other commit');
const hidden = positive('hidden', 64);
const batch = positive('batch', 512);
const steps = positive('steps', 30);
const rounds = positive('rounds', 8);
const samplePoints = positive('sample', 1000);
const threads = Math.max(1, positive('threads', 1));
/** The checkout compared against the base: this one, or `--this <dir>` (e.g. to A/B two intermediate commits). */
const here = args.this === undefined ? resolve(fileURLToPath(import.meta.url), '../../../..') : resolve(args.this);

/** One tree's library, loaded from its TypeScript sources. */
interface Tree {
  readonly label: string;
  readonly adjoint: typeof import('@diffflow/adjoint');
  readonly core: typeof import('@diffflow/sde-core');
  readonly likelihood: typeof import('@diffflow/likelihood');
  readonly parallel: typeof import('@diffflow/parallel');
  /** `modelFromSpec` of the tree: in @diffflow/networks, or in @diffflow/adjoint in trees before @diffflow/parallel. */
  readonly modelFromSpec: typeof import('@diffflow/networks').modelFromSpec;
}
const load = async (label: string, root: string): Promise<Tree> => ({
  label,
  modelFromSpec: await (async () => {
    type WithSpec = { readonly modelFromSpec?: typeof import('@diffflow/networks').modelFromSpec };
    const own = ((await import(resolve(root, 'packages/networks/src/index.ts'))) as WithSpec).modelFromSpec;
    const old = ((await import(resolve(root, 'packages/adjoint/src/index.ts'))) as WithSpec).modelFromSpec;
    const found = own ?? old;
    if (found === undefined) throw new Error(`versus_tree: no modelFromSpec in ${root} (networks or adjoint)`);
    return found;
  })(),
  adjoint: await import(resolve(root, 'packages/adjoint/src/index.ts')),
  core: await import(resolve(root, 'packages/sde-core/src/index.ts')),
  likelihood: await import(resolve(root, 'packages/likelihood/src/index.ts')),
  parallel: await import(resolve(root, 'packages/parallel/src/index.ts')),
});

/** The bench's reference model at width `hidden` (the name seeds the initial weights: the same in both trees). */
const spec = {
  drift: { dim: 2, hidden, layers: 3, seed: 1, name: 'drift' },
  score: { dim: 2, hidden, layers: 3, seed: 2, name: 'score' },
  diffusion: { kind: 'constant', value: 0.2 },
} as const;

/** The bench's data: N(0, 0.5²) around a random corner (±1, ±1). */
const dataBatch = (tree: Tree, it: number): tf.Tensor2D => {
  const normal = tree.core.replayableNormals(2 * batch, { seed: 0, purpose: 'data', iteration: it, step: 0 });
  const corner = tree.core.replayableUniforms(2 * batch, { seed: 0, purpose: 'data/corner', iteration: it, step: 0 });
  return tf.tensor2d(Float32Array.from(normal, (z, i) => 0.5 * z + ((corner[i] as number) < 0.5 ? -1 : 1)), [batch, 2]);
};

/**
 * A model of the tree, its grid and one training iteration (gradients, Adam, loss read back); with
 * `--threads` > 1 the gradients come from the tree's own pool.
 */
const trainer = async (tree: Tree) => {
  const model = tree.modelFromSpec(spec);
  const grid = [...tree.core.fixedGrid({ steps, tMin: 1e-3, tMax: 0.05, beta: 0.9 })];
  const optimizer = tf.train.adam(1e-3);
  const pool = threads > 1 ? await tree.parallel.dataParallel({ spec, strategy: 'adjoint', threads }) : null;
  const gradients = (it: number) => {
    const x0 = dataBatch(tree, it);
    const r = pool === null ? tree.adjoint.gradientStrategy('adjoint')(model, x0, grid, tree.core.forwardNoise(0, it)) : pool.gradientsSync(model, x0, grid, { seed: 0, iteration: it });
    x0.dispose();
    return r;
  };
  const iteration = (it: number): number => {
    const r = gradients(it);
    optimizer.applyGradients(Object.entries(r.grads).map(([name, tensor]) => ({ name, tensor })));
    const loss = r.loss.bound.dataSync()[0] as number;
    tree.adjoint.disposeGradientResult(r);
    return loss;
  };
  const dispose = async (): Promise<void> => {
    await pool?.dispose();
    optimizer.dispose();
    model.sde.drift.dispose();
    model.score.dispose();
  };
  return { model, grid, gradients, iteration, dispose };
};

/** Entry-by-entry comparison of two equally long arrays. */
const compare = (a: ArrayLike<number>, b: ArrayLike<number>): { equal: number; maxAbs: number; relL2: number } => {
  let equal = 0;
  let maxAbs = 0;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Object.is(x, y)) equal++;
    maxAbs = Math.max(maxAbs, Math.abs(x - y));
    num += (x - y) ** 2;
    den += Math.max(x * x, y * y);
  }
  return { equal, maxAbs, relL2: Math.sqrt(num / Math.max(den, 1e-300)) };
};

const { selectBackend } = await import('@diffflow/backend');
const info = await selectBackend({ quiet: true });
const base = await load('base', resolve(baseDir));
const ours = await load('this', here);
const trees = [base, ours];
{
  // tfjs variable names are global and each tree numbers its networks from 1 ('drift#1'): one model
  // built and freed in the base tree first keeps the two trees' live names apart
  const burnt = base.modelFromSpec(spec);
  burnt.sde.drift.dispose();
  burnt.score.dispose();
}
const loadAt = (): string => (loadavg()[0] as number).toFixed(1);
console.log(`versus_tree: ${info.name}, width ${hidden}, B = ${batch}, N = ${steps}, ${threads === 1 ? 'one thread' : `${threads} threads (dataParallel)`}; base = ${resolve(baseDir)}, this = ${here}; load ${loadAt()}`);

// ---- 1. exactness ----
{
  type Trainer = Awaited<ReturnType<typeof trainer>>;
  const [a, b] = [await trainer(base), await trainer(ours)];
  const ra = a.gradients(0);
  const rb = b.gradients(0);
  console.log('\n| compared | entries | bitwise equal | largest |difference| | relative L2 |\n|---|---:|---:|---:|---:|');
  const row = (what: string, x: ArrayLike<number>, y: ArrayLike<number>): void => {
    const c = compare(x, y);
    console.log(`| ${what} | ${x.length} | ${c.equal} | ${c.maxAbs.toExponential(2)} | ${c.relL2.toExponential(2)} |`);
  };
  for (const term of Object.keys(ra.loss) as (keyof typeof ra.loss)[]) row(`loss ${term}`, ra.loss[term].dataSync(), rb.loss[term].dataSync());
  // the same parameters in the same order, named by tree: compare by position
  const gb = Object.values(rb.grads);
  Object.entries(ra.grads).forEach(([name, g], k) => row(`∂ ${name.replace(/#\d+/, '')}`, g.dataSync(), (gb[k] as tf.Tensor).dataSync()));
  base.adjoint.disposeGradientResult(ra);
  ours.adjoint.disposeGradientResult(rb);
  if (samplePoints > 0) {
    for (const lambda of [1, 0]) {
      const draw = (tree: Tree, t: Trainer): Float32Array => {
        const s = tree.likelihood.sampleMarginal(t.model, { n: samplePoints, grid: t.grid, seed: 3, shape: [2], lambda }).samples;
        const v = s.dataSync() as Float32Array;
        s.dispose();
        return v;
      };
      row(`samples λ = ${lambda} (${samplePoints} points)`, draw(base, a), draw(ours, b));
    }
  }
  await a.dispose();
  await b.dispose();
}

// ---- 2. kernels per iteration, 3. interleaved speed ----
type Trainer = Awaited<ReturnType<typeof trainer>>;
const runs: Trainer[] = [await trainer(base), await trainer(ours)];
runs.forEach((r) => r.iteration(0)); // warm-up: backend kernels, derived-weight caches
console.log('\n| tree | kernels / iteration | op wrappers (`…__op`) | Σ kernel ms (profiled) |\n|---|---:|---:|---:|');
for (const [k, r] of runs.entries()) {
  const p = await tf.profile(() => {
    r.iteration(1);
  });
  // op-level scope entries (custom-gradient ops such as `fusedMatMul__op`) are engine calls, not kernels
  const kernels = p.kernels.filter((x) => !x.name.endsWith('__op'));
  const ms = kernels.reduce((s, x) => s + (typeof x.kernelTimeMs === 'number' ? x.kernelTimeMs : 0), 0);
  console.log(`| ${(trees[k] as Tree).label} | ${kernels.length} | ${p.kernels.length - kernels.length} | ${ms.toFixed(0)} |`);
}
if (rounds === 0) {
  for (const r of runs) await r.dispose();
  process.exit(0);
}
const loadStart = loadAt();
/** Wall and CPU ms of each tree's unit per round, the order alternating. */
const interleave = (unit: (k: number, round: number) => void): AbTimes => interleavedAb(rounds, unit);
const fmt = (xs: number[]): string => spread(xs, 0);
const ratio = (xs: AbTimes['wall']): string => spread(roundRatios(xs), 3, 2);
const report = (what: string, m: AbTimes): void => {
  console.log(`\n${what}: ${rounds} interleaved rounds, load ${loadStart} → ${loadAt()}`);
  console.log('| tree | wall ms, median (min–max) | CPU ms, median (min–max) |\n|---|---:|---:|');
  trees.forEach((t, k) => console.log(`| ${t.label} | ${fmt(m.wall[k] as number[])} | ${fmt(m.cpu[k] as number[])} |`));
  console.log(`this ÷ base, median of the rounds' ratios (min–max): wall ${ratio(m.wall)}, CPU ${ratio(m.cpu)}`);
};
report('training iteration', interleave((k, round) => (runs[k] as Trainer).iteration(2 + round)));
if (samplePoints > 0) {
  const draw = (k: number, round: number): void => {
    const r = runs[k] as Trainer;
    tf.dispose((trees[k] as Tree).likelihood.sampleMarginal(r.model, { n: samplePoints, grid: r.grid, seed: 10 + round, shape: [2], lambda: 0 }).samples);
  };
  draw(0, -1);
  draw(1, -1);
  report(`sampling ${samplePoints} points (λ = 0)`, interleave(draw));
}
for (const r of runs) await r.dispose();
