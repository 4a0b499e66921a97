import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relativeError, take } from '@diffflow/test-utils';
import { NonFiniteFieldError, fixedGrid, flexibleGridAt, forwardNoise, replayableNormal, type DiffusionModel, type VpSchedule } from '@diffflow/sde-core';
import { ddpmLoss, trajectoryLossTerms } from '@diffflow/losses';
import { runSampler, sampleMarginal, samplerByName } from '@diffflow/likelihood';
import { availableParallelism } from 'node:os';
import { dataParallel, modelParameters, poolThreads, shardGradients, shardRows, type DataParallel } from './pool.js';
import { modelFromSpec, replicaFromSpec, variablesOf, type ModelSpec, type VectorField } from '@diffflow/networks';
import { disposeGradientResult, gradientStrategy, type GradientResult, type GradientStrategyName } from '@diffflow/adjoint';

const spec: ModelSpec = {
  drift: { dim: 2, hidden: 16, layers: 1, seed: 1, name: 'drift' },
  score: { dim: 2, hidden: 16, layers: 1, seed: 2, name: 'score' },
  diffusion: { kind: 'constant', value: 0.2 },
};
const grid = fixedGrid({ steps: 6, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
const disposeModel = (m: DiffusionModel): void => {
  m.sde.drift.dispose();
  m.score.dispose();
};

/** Largest relative error over the loss terms and every parameter's gradient. */
function compare(model: DiffusionModel, a: GradientResult, b: GradientResult): { loss: number; grads: number } {
  let loss = 0;
  for (const k of trajectoryLossTerms) loss = Math.max(loss, relativeError(a.loss[k].dataSync(), b.loss[k].dataSync()));
  let grads = 0;
  for (const p of modelParameters(model)) {
    const ga = a.grads[p.variable.name];
    const gb = b.grads[p.variable.name];
    expect(ga?.shape, p.name).toEqual(p.variable.shape);
    expect(gb?.shape, p.name).toEqual(p.variable.shape);
    grads = Math.max(grads, relativeError((ga as tf.Tensor).dataSync(), (gb as tf.Tensor).dataSync()));
  }
  return { loss, grads };
}

describe('shardRows', () => {
  it('splits rows into nearly equal, contiguous, non-empty shards', () => {
    expect(shardRows(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(shardRows(2, 3)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(shardRows(5, 1)).toEqual([[0, 5]]);
  });
});

describe('shardGradients', () => {
  it('gives a shard’s means whether its rows run at once or in chunks (rel. error ≤ 1e-5)', () => {
    const model = modelFromSpec(spec);
    const x0 = replayableNormal([23, 2], { seed: 9, purpose: 'data', iteration: 0, step: 0 });
    const rows = tf.slice(x0, 3, 10); // rows [3, 13) of the batch
    const key = { seed: 4, iteration: 1 };
    const [lossWhole, gradsWhole] = shardGradients(model, rows, [3, 13], grid, key, 'adjoint');
    const [lossChunks, gradsChunks] = shardGradients(model, rows, [3, 13], grid, key, 'adjoint', 3);
    expect(relativeError(lossChunks, lossWhole)).toBeLessThan(1e-5);
    expect(relativeError(gradsChunks, gradsWhole)).toBeLessThan(1e-5);
    // and the shard's rows of the noise are those of the whole batch: the whole batch's strategy on those rows agrees
    const direct = gradientStrategy('adjoint')(model, rows, grid, forwardNoise(4, 1, [3, 13]));
    expect(relativeError(lossWhole, trajectoryLossTerms.map((k) => direct.loss[k].dataSync()[0] as number))).toBeLessThan(1e-6);
    disposeGradientResult(direct);
    expect(() => shardGradients(model, rows, [3, 12], grid, key, 'adjoint')).toThrow(/has 10 rows for rows \[3, 12\)/);
    tf.dispose([x0, rows]);
    disposeModel(model);
  });
});

describe('dataParallel (worker threads)', () => {
  let model: DiffusionModel;
  let pool: DataParallel; // 2 workers + the local shard
  let remoteOnly: DataParallel; // 1 worker, no local shard

  beforeAll(async () => {
    model = modelFromSpec(spec);
    [pool, remoteOnly] = await Promise.all([
      dataParallel({ spec, strategy: 'naive', workers: 2 }),
      dataParallel({ spec, strategy: 'adjoint', workers: 1, localShard: false, chunkRows: 7 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([pool?.dispose(), remoteOnly?.dispose()]);
    if (model !== undefined) disposeModel(model);
  });

  const cases: [string, () => DataParallel, GradientStrategyName][] = [
    ['naive, 2 workers + local shard', () => pool, 'naive'],
    ['adjoint, 1 worker, no local shard, chunks of 7 rows', () => remoteOnly, 'adjoint'],
  ];
  for (const [label, getPool, strategy] of cases) {
    it(`equals the single-process ${label} result (rel. error ≤ 1e-5), leaving no tensors behind`, async () => {
      const p = getPool();
      const x0 = replayableNormal([37, 2], { seed: 5, purpose: 'data', iteration: 0, step: 0 });
      const single = gradientStrategy(strategy)(model, x0, grid, forwardNoise(3, 7));
      const before = tf.memory().numTensors;
      const parallel = await p.gradients(model, x0, grid, { seed: 3, iteration: 7 });
      const { loss, grads } = compare(model, single, parallel);
      expect(loss).toBeLessThan(1e-5);
      expect(grads).toBeLessThan(1e-5);
      disposeGradientResult(parallel);
      expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
      disposeGradientResult(single);
      x0.dispose();
    });
  }

  it('uses each shard’s own rows of the noise: another iteration’s noise gives another result', async () => {
    const x0 = replayableNormal([20, 2], { seed: 6, purpose: 'data', iteration: 0, step: 0 });
    const other = gradientStrategy('naive')(model, x0, grid, forwardNoise(3, 8));
    const parallel = await pool.gradients(model, x0, grid, { seed: 3, iteration: 7 });
    expect(compare(model, other, parallel).grads).toBeGreaterThan(1e-3);
    disposeGradientResult(other);
    disposeGradientResult(parallel);
    x0.dispose();
  });

  it('follows the caller’s weights from call to call (an optimizer step in between) and a flexible grid', async () => {
    const x0 = replayableNormal([16, 2], { seed: 7, purpose: 'data', iteration: 0, step: 0 });
    const flexible = flexibleGridAt({ steps: 6, tMin: 1e-3, tMax: 0.05, beta: 0.9 }, 9, 2);
    const first = await pool.gradients(model, x0, flexible, { seed: 1, iteration: 2 });
    const optimizer = tf.train.adam(1e-2);
    optimizer.applyGradients(Object.entries(first.grads).map(([name, tensor]) => ({ name, tensor })));
    disposeGradientResult(first);
    const single = gradientStrategy('naive')(model, x0, flexible, forwardNoise(1, 3));
    const parallel = await pool.gradients(model, x0, flexible, { seed: 1, iteration: 3 });
    expect(compare(model, single, parallel).grads).toBeLessThan(1e-5);
    disposeGradientResult(single);
    disposeGradientResult(parallel);
    optimizer.dispose();
    x0.dispose();
  });

  it('passes a worker’s NonFiniteFieldError on as one (a trainer retries it as on one thread)', async () => {
    const x0 = replayableNormal([16, 2], { seed: 7, purpose: 'data', iteration: 0, step: 0 });
    const w = modelParameters(model)[0]!.variable;
    const saved = tf.clone(w);
    const nan = tf.fill(w.shape, Number.NaN);
    w.assign(nan);
    nan.dispose();
    let error: unknown;
    try {
      disposeGradientResult(await pool.gradients(model, x0, grid, { seed: 1, iteration: 0 }));
    } catch (e) {
      error = e;
    } finally {
      w.assign(saved);
      tf.dispose([saved, x0]);
    }
    expect(error).toBeInstanceOf(NonFiniteFieldError);
    expect(error).toMatchObject({ role: 'drift', field: 'drift', part: 'value' });
    expect((error as Error).message).toMatch(/^the drift field 'drift' returned NaN \(row \d+\) at t = [\d.]+, step \d+/);
  });

  it('samples exactly as the one sampler does on one thread, split over the shards (same seed, same samples)', async () => {
    const options = { n: 23, grid, seed: 11 };
    // the library's one sampler on this thread: same keys per row, same defaults (defaultLambda, Tweedie last step)
    const whole = take(sampleMarginal(model, { grid, n: 23, shape: [2], seed: 11 }).samples);
    const split = take(await pool.sample(model, options));
    expect(split).toHaveLength(46);
    expect(relativeError(split, whole)).toBeLessThan(1e-6);
    // rows of a split equal the rows of the whole draw
    expect(take(sampleMarginal(model, { grid, n: 23, shape: [2], seed: 11, rows: [5, 9] }).samples)).toEqual(whole.slice(10, 18));
    // a synchronous caller gets the same samples, blocking for the workers' replies
    expect(take(pool.sampleSync(model, options))).toEqual(split);
    expect(() => pool.sampleSync(model, { ...options, sampler: { name: 'mine', module: 'file:///mine.js' } })).toThrow(/sampleSync: sampler 'mine' comes from module file:\/\/\/mine\.js; use sample\(\)/);
  });

  it('runs any registry sampler per shard: the same seed gives the same samples on one and on several threads (euler-maruyama at λ = 0.5, heun)', async () => {
    for (const sampler of [{ name: 'euler-maruyama', settings: { lambda: 0.5, denoise: false } }, { name: 'heun' }]) {
      const one = take(runSampler(samplerByName(sampler.name), model, { grid, n: 17, shape: [2], seed: 4 }, sampler.settings).samples);
      const split = take(await pool.sample(model, { n: 17, grid, seed: 4, sampler }));
      expect(split, sampler.name).toEqual(one);
    }
    // a bad sampler or setting is refused on this thread, naming it
    await expect(pool.sample(model, { n: 4, grid, seed: 1, sampler: { name: 'euler' } })).rejects.toThrow(/unknown sampler 'euler'; the samplers are euler-maruyama, heun/);
    await expect(pool.sample(model, { n: 4, grid, seed: 1, sampler: { name: 'heun', settings: { lambda: 1 } } })).rejects.toThrow(/sampler 'heun' has no setting 'lambda'/);
    await expect(pool.sample(model, { n: 4, grid, seed: 1, sampler: { name: 'heun' }, lambda: 1 })).rejects.toThrow(/inside sampler.settings/);
    // dpm-solver names this DiffFlow model's SDE as one it cannot run
    await expect(pool.sample(model, { n: 4, grid, seed: 1, sampler: { name: 'dpm-solver' } })).rejects.toThrow(/sampler 'dpm-solver' needs an SDE with a fixed linear drift/);
  });

  it('rejects a model that does not match the spec', async () => {
    const wider = modelFromSpec({ ...spec, drift: { ...spec.drift, hidden: 8 } });
    const x0 = tf.ones([4, 2]);
    await expect(pool.gradients(wider, x0, grid, { seed: 0, iteration: 0 })).rejects.toThrow(/does not match the spec/);
    // DDPM's ε-loss needs an ε-network on a VP SDE; this spec's score is a plain Fourier MLP
    expect(() => pool.ddpmGradientsSync(model.score, x0, {}, { seed: 0, iteration: 0 })).toThrow(/score must be scoreFromEpsilon of a 'vp' SDE/);
    await expect(pool.ddpmGradients(model.score, x0, {}, { seed: 0, iteration: 0 })).rejects.toThrow(/score must be scoreFromEpsilon of a 'vp' SDE/);
    disposeModel(wider);
    x0.dispose();
  });
});

describe('dataParallel from a plain tsx script', () => {
  it('starts, computes and lets the process exit even without dispose()', () => {
    const module = new URL('./index.ts', import.meta.url).href;
    const code = `
      import { selectBackend } from '@diffflow/backend';
      const tf = await import('@tensorflow/tfjs-core');
      const { dataParallel } = await import(${JSON.stringify(module)});
      const { modelFromSpec } = await import('@diffflow/networks');
      await selectBackend({ prefer: 'wasm', quiet: true });
      const spec = ${JSON.stringify(spec)};
      const pool = await dataParallel({ spec, strategy: 'naive', workers: 1 });
      const r = await pool.gradients(modelFromSpec(spec), tf.ones([4, 2]), [0.001, 0.01, 0.05], { seed: 0, iteration: 0 });
      console.log('objective ' + r.loss.objective.dataSync()[0] + ' shards ' + pool.shards);`;
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const run = spawnSync(process.execPath, ['--conditions=@diffflow/source', '--import', 'tsx', '--input-type=module', '-e', code], {
      cwd,
      encoding: 'utf8',
      timeout: 100_000,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    expect(run.status, run.stderr.slice(-500)).toBe(0);
    expect(run.stdout).toMatch(/objective \d+\.\d+ shards 2/);
  });
});

describe('poolThreads', () => {
  it('reads a workers setting: 0 is one thread per core, n is n, anything else a RangeError', () => {
    expect(poolThreads(0)).toBe(Math.max(1, availableParallelism()));
    expect(poolThreads(1)).toBe(1);
    expect(poolThreads(3)).toBe(3);
    expect(() => poolThreads(-1)).toThrow(/workers must be an integer ≥ 0/);
    expect(() => poolThreads(1.5)).toThrow(/workers must be an integer ≥ 0/);
  });
});

describe('dataParallel options', () => {
  it('rejects an unknown strategy, a bad worker count and an unknown diffusion before starting workers', async () => {
    await expect(dataParallel({ spec, strategy: 'magic' as GradientStrategyName })).rejects.toThrow(/strategy must be one of adjoint, naive/);
    await expect(dataParallel({ spec, strategy: 'naive', workers: 0, localShard: false })).rejects.toThrow(/workers must be an integer ≥ 1/);
    await expect(dataParallel({ spec, strategy: 'naive', workers: 1.5 })).rejects.toThrow(/workers must be an integer/);
    await expect(dataParallel({ spec, strategy: 'naive', chunkRows: 0 })).rejects.toThrow(/chunkRows must be an integer ≥ 1/);
    const bad = { ...spec, diffusion: { kind: 'cosine' } } as unknown as ModelSpec;
    await expect(dataParallel({ spec: bad, strategy: 'naive' })).rejects.toThrow(/diffusion.kind has no kind this library builds, got "cosine"/);
  });

  it('trains and samples a VE model (fixed SDE, ε-network score) across shards as on one thread', async () => {
    const veSpec: ModelSpec = { sde: { kind: 've', sigmaMin: 0.01, sigmaMax: 3 }, score: { dim: 2, hidden: 16, layers: 1, seed: 4, name: 'eps' } };
    const model = modelFromSpec(veSpec);
    expect(model.sde.prior.name).toBe('N(0, 3² I)');
    expect(model.sde.drift.parameterCount).toBe(0);
    const pool = await dataParallel({ spec: veSpec, strategy: 'adjoint', workers: 1 });
    const veGrid = fixedGrid({ steps: 5, tMin: 1e-2, tMax: 1, beta: 1 });
    const x0 = replayableNormal([21, 2], { seed: 6, purpose: 'data', iteration: 0, step: 0 });
    const single = gradientStrategy('adjoint')(model, x0, veGrid, forwardNoise(4, 2));
    const parallel = await pool.gradients(model, x0, veGrid, { seed: 4, iteration: 2 });
    const { loss, grads } = compare(model, single, parallel);
    expect(loss).toBeLessThan(1e-5);
    expect(grads).toBeLessThan(1e-5);
    const whole = take(sampleMarginal(model, { grid: veGrid, n: 15, shape: [2], seed: 9 }).samples);
    expect(relativeError(take(await pool.sample(model, { n: 15, grid: veGrid, seed: 9 })), whole)).toBeLessThan(1e-6);
    expect(() => pool.ddpmGradientsSync(model.score, x0, {}, { seed: 4, iteration: 2 })).toThrow(/scoreFromEpsilon of a 'vp' SDE/); // VE: no DDPM schedule
    disposeGradientResult(single);
    disposeGradientResult(parallel);
    await pool.dispose();
    x0.dispose();
    model.score.dispose();
  });

  it('threads: 1 runs in-process, no worker: bit-identical to the strategy, the ε-loss and the sampler on the whole batch; refuses calls after dispose', async () => {
    await expect(dataParallel({ spec, strategy: 'naive', threads: 0 })).rejects.toThrow(/threads must be an integer ≥ 1, got 0/);
    await expect(dataParallel({ spec, strategy: 'naive', threads: 2, workers: 1 })).rejects.toThrow(/give threads or workers\/localShard, not both/);
    const model = modelFromSpec(spec);
    const pool = await dataParallel({ spec, strategy: 'naive', threads: 1 });
    expect(pool.shards).toBe(1);
    // B = 3000 > chunkRows' default 2048: one thread runs the whole batch at once, as without a pool
    const x0 = replayableNormal([3000, 2], { seed: 8, purpose: 'data', iteration: 0, step: 0 });
    const single = gradientStrategy('naive')(model, x0, grid, forwardNoise(2, 0));
    for (const local of [await pool.gradients(model, x0, grid, { seed: 2, iteration: 0 }), pool.gradientsSync(model, x0, grid, { seed: 2, iteration: 0 })]) {
      expect(compare(model, single, local)).toEqual({ loss: 0, grads: 0 });
      disposeGradientResult(local);
    }
    disposeGradientResult(single);
    const request = { grid, n: 50, shape: [2], seed: 3 };
    expect(take(await pool.sample(model, { ...request, sampler: { name: 'heun' } }))).toEqual(take(runSampler(samplerByName('heun'), model, request).samples));
    await pool.dispose();
    await expect(pool.gradients(model, x0, grid, { seed: 2, iteration: 0 })).rejects.toThrow(/disposed/);
    x0.dispose();
    disposeModel(model);
  });

  it('trains and samples the DDPM model (VP SDE, ε-MLP score) on two threads as on one: ε-loss gradients rel. ≤ 1e-5, the same samples', async () => {
    const vp = { kind: 'vp', betaMin: 0.1, betaMax: 20 } as const;
    const ddpmSpec: ModelSpec = { sde: vp, score: { kind: 'scoreFromEpsilon', sde: vp, epsilon: { kind: 'fourierMlp', options: { dim: 2, hidden: 16, layers: 1, seed: 5, name: 'eps' } } } };
    const replica = replicaFromSpec(ddpmSpec);
    const epsilon = replica.epsilon as VectorField;
    const [one, two] = [await dataParallel({ spec: ddpmSpec, strategy: 'naive', threads: 1 }), await dataParallel({ spec: ddpmSpec, strategy: 'naive', threads: 2 })];
    const x0 = replayableNormal([41, 2], { seed: 9, purpose: 'data', iteration: 0, step: 0 });
    const key = { seed: 5, iteration: 3 };
    const a = one.ddpmGradientsSync(epsilon, x0, { tMin: 1e-3 }, key);
    const b = two.ddpmGradientsSync(epsilon, x0, { tMin: 1e-3 }, key);
    const c = await two.ddpmGradients(epsilon, x0, { tMin: 1e-3 }, key);
    const flat = (r: typeof a): number[] => [take(r.value)[0] as number, ...variablesOf(epsilon).flatMap((v) => take(r.grads[v.name] as tf.Tensor))];
    const [fa, fb, fc] = [flat(a), flat(b), flat(c)]; // take() disposes what it reads
    expect(relativeError(fb, fa)).toBeLessThan(1e-5);
    expect(fc).toEqual(fb);
    const vpGrid = fixedGrid({ steps: 8, tMin: 1e-3, tMax: 1, beta: 1 });
    expect(take(await two.sample(replica.model, { n: 17, grid: vpGrid, seed: 2 }))).toEqual(take(await one.sample(replica.model, { n: 17, grid: vpGrid, seed: 2 })));
    await Promise.all([one.dispose(), two.dispose()]);
    x0.dispose();
    replica.model.score.dispose();
  }, 60_000);

  it("threads: 1 computes DDPM's ε-loss exactly as tf.variableGrads of ddpmLoss on this thread", async () => {
    const vp = { kind: 'vp', betaMin: 0.1, betaMax: 20 } as const;
    const ddpmSpec: ModelSpec = { sde: vp, score: { kind: 'scoreFromEpsilon', sde: vp, epsilon: { kind: 'fourierMlp', options: { dim: 2, hidden: 16, layers: 1, seed: 5, name: 'eps' } } } };
    const replica = replicaFromSpec(ddpmSpec);
    const epsilon = replica.epsilon as VectorField;
    const pool = await dataParallel({ spec: ddpmSpec, strategy: 'naive', threads: 1 });
    const x0 = replayableNormal([40, 2], { seed: 8, purpose: 'data', iteration: 0, step: 0 });
    const key = { seed: 3, iteration: 7 };
    const before = tf.memory().numTensors;
    const direct = tf.variableGrads(() => ddpmLoss(epsilon, replica.schedule as VpSchedule, x0, { tMin: 1e-3, ...key }), variablesOf(epsilon));
    const viaPool = pool.ddpmGradientsSync(epsilon, x0, { tMin: 1e-3 }, key);
    expect(take(viaPool.value)).toEqual(take(direct.value));
    for (const [name, g] of Object.entries(direct.grads)) expect(take(viaPool.grads[name] as tf.Tensor), name).toEqual(take(g));
    tf.dispose([...Object.values(direct.grads), ...Object.values(viaPool.grads)]);
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    await pool.dispose();
    x0.dispose();
    replica.model.score.dispose();
  });
});
