import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relativeError, take } from '@diffflow/test-utils';
import { diffflowSde, diffusionModel, fixedGrid, forwardNoise, replayableNormal, vpSchedule, vpSde, type DiffusionModel } from '@diffflow/sde-core';
import { scoreFromEpsilon, sumFields, unet, variablesOf, type UNetOptions, type VectorField } from '@diffflow/networks';
import { trajectoryLossTerms } from '@diffflow/losses';
import { sampleMarginal } from '@diffflow/likelihood';
import { ddpmLoss } from '@diffflow/losses';
import { dataParallel, ddpmShardGradients, modelParameters, shardGradients, type DataParallel } from './pool.js';
import { ddpmSchedule, eventShape, modelFromSpec, replicaFromSpec, type FixedSdeSpec, type ModelSpec } from '@diffflow/networks';
import { disposeGradientResult, gradientStrategy, type GradientResult } from '@diffflow/adjoint';

/*
 * The images experiment's model at toy size: 8×8×1 images, a tiny U-Net (2 levels, 8 channels,
 * attention at 4×4) for drift and ε, VP forward with the learned drift on top
 * (f = −½β(t)x + f_θ, g = √β(t), s = −ε_θ/σ(t)). The output convolutions start random (not zero),
 * so every parameter gets a gradient.
 */
const tiny: UNetOptions = { height: 8, channels: 1, baseChannels: 8, channelMults: [1, 2], resBlocks: 1, attentionResolutions: [4], groups: 4, zeroInitOutput: false, timeScale: 20 };
const vp: FixedSdeSpec = { kind: 'vp', betaMin: 0.1, betaMax: 20 };
const spec: ModelSpec = {
  sde: {
    kind: 'diffflow',
    drift: { kind: 'sum', name: 'drift', fields: [{ kind: 'sdeDrift', sde: vp }, { kind: 'unet', options: { ...tiny, seed: 1, name: 'drift' } }] },
    diffusion: { kind: 'sde', sde: vp },
    interval: [0, 1],
  },
  score: { kind: 'scoreFromEpsilon', name: 'score', epsilon: { kind: 'unet', options: { ...tiny, seed: 2, name: 'score' } }, sde: vp },
};
const grid = fixedGrid({ steps: 3, tMin: 1e-3, tMax: 1, beta: 1 });

/** The same model composed directly from the library's parts, as a user would write it (with its ε-network). */
function composed(): DiffusionModel & { readonly epsilon: VectorField } {
  const schedule = vpSchedule({ betaMin: 0.1, betaMax: 20 });
  const sde = vpSde(schedule);
  const drift = sumFields([sde.drift, unet({ ...tiny, seed: 1, name: 'drift' })], 'drift');
  const epsilon = unet({ ...tiny, seed: 2, name: 'score' });
  return { ...diffusionModel(diffflowSde({ drift, diffusion: sde.diffusion, interval: [0, 1] }), scoreFromEpsilon(epsilon, sde, 'score')), epsilon };
}

const flat = (model: DiffusionModel, r: GradientResult): { loss: number[]; grads: number[] } => ({
  loss: trajectoryLossTerms.map((k) => r.loss[k].dataSync()[0] as number),
  grads: modelParameters(model).flatMap((p) => Array.from((r.grads[p.variable.name] as tf.Tensor).dataSync())),
});

describe('dataParallel with U-Nets (the images model at 8×8)', () => {
  let model: ReturnType<typeof composed>;
  let pool: DataParallel; // 1 worker + the local shard
  let remote: DataParallel; // 1 worker, the whole batch
  let x0: tf.Tensor;

  beforeAll(async () => {
    model = composed();
    x0 = tf.tidy(() => tf.tanh(replayableNormal([6, 8, 8, 1], { seed: 3, purpose: 'data', iteration: 0, step: 0 })));
    [pool, remote] = await Promise.all([
      dataParallel({ spec, strategy: 'adjoint', workers: 1 }),
      dataParallel({ spec, strategy: 'adjoint', workers: 1, localShard: false }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([pool?.dispose(), remote?.dispose()]);
    model?.sde.drift.dispose();
    model?.score.dispose();
    x0?.dispose();
  });

  it('rebuilds the composed model from the spec: same parameter names and shapes, same sample shape', () => {
    const fromSpec = modelFromSpec(spec);
    const layout = (m: DiffusionModel): string[] => modelParameters(m).map((p) => `${p.name} [${p.variable.shape.join(',')}]`);
    expect(layout(fromSpec)).toEqual(layout(model));
    expect(layout(model).length).toBeGreaterThan(20);
    expect(eventShape(spec)).toEqual([8, 8, 1]);
    fromSpec.sde.drift.dispose();
    fromSpec.score.dispose();
  });

  it('a worker computes bit-identically what this thread computes for the same rows (weights shipped, same seed)', async () => {
    const key = { seed: 5, iteration: 2 };
    const [loss, grads] = shardGradients(model, x0, [0, 6], grid, key, 'adjoint');
    const theirs = await remote.gradients(model, x0, grid, key);
    const got = flat(model, theirs);
    expect(got.loss).toEqual(loss);
    expect(got.grads).toEqual(Array.from(grads));
    expect(grads.some((g) => g !== 0) && grads.every(Number.isFinite)).toBe(true);
    disposeGradientResult(theirs);
  }, 60_000);

  it('two shards equal one thread on the whole batch up to float32 summation order (rel. ≤ 1e-5), sync and async alike', async () => {
    const key = { seed: 5, iteration: 2 };
    const single = gradientStrategy('adjoint')(model, x0, grid, forwardNoise(key.seed, key.iteration));
    const before = tf.memory().numTensors;
    const viaSync = pool.gradientsSync(model, x0, grid, key);
    const viaAsync = await pool.gradients(model, x0, grid, key);
    const [a, b, c] = [flat(model, single), flat(model, viaSync), flat(model, viaAsync)];
    expect(b).toEqual(c); // the same shards, the same arithmetic
    expect(relativeError(b.loss, a.loss)).toBeLessThan(1e-5);
    expect(relativeError(b.grads, a.grads)).toBeLessThan(1e-5);
    disposeGradientResult(viaSync);
    disposeGradientResult(viaAsync);
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    disposeGradientResult(single);
  }, 60_000);

  it('samples images across shards exactly as the one sampler on one thread (same seed)', async () => {
    const whole = take(sampleMarginal(model, { grid, n: 5, shape: [8, 8, 1], seed: 9 }).samples);
    const split = await pool.sample(model, { n: 5, grid, seed: 9 });
    expect(split.shape).toEqual([5, 8, 8, 1]);
    expect(take(split)).toEqual(whole);
  }, 60_000);

  it("replicaFromSpec is modelFromSpec with a handle on the ε-network (its parameters are the score's) and the VP schedule", () => {
    const replica = replicaFromSpec(spec);
    const fromSpec = modelFromSpec(spec);
    const layout = (m: DiffusionModel): string[] => modelParameters(m).map((p) => `${p.name} [${p.variable.shape.join(',')}]`);
    expect(layout(replica.model)).toEqual(layout(fromSpec));
    expect(replica.epsilon?.parameters.map((p) => p.variable)).toEqual(replica.model.score.parameters.map((p) => p.variable));
    expect(replica.schedule).toEqual(vpSchedule({ betaMin: 0.1, betaMax: 20 }));
    expect(ddpmSchedule(spec)).toEqual(replica.schedule);
    for (const m of [replica.model, fromSpec]) {
      m.sde.drift.dispose();
      m.score.dispose();
    }
  });

  const ddpm = { tMin: 1e-3, tMax: 1 } as const;

  it("DDPM's ε-loss: a worker computes bit-identically what this thread computes for the same rows", async () => {
    const key = { seed: 6, iteration: 3 };
    const schedule = ddpmSchedule(spec)!;
    const [value, grads] = ddpmShardGradients(model.epsilon, schedule, x0, [0, 6], ddpm, key);
    const theirs = await remote.ddpmGradients(model.epsilon, x0, ddpm, key);
    expect(theirs.value.dataSync()[0]).toBe(value);
    expect(model.epsilon.parameters.flatMap((p) => Array.from((theirs.grads[p.variable.name] as tf.Tensor).dataSync()))).toEqual(Array.from(grads));
    expect(grads.some((g) => g !== 0) && grads.every(Number.isFinite)).toBe(true);
    tf.dispose([theirs.value, ...Object.values(theirs.grads)]);
  }, 60_000);

  it("DDPM's ε-loss on two shards equals tf.variableGrads of ddpmLoss on one thread (rel. ≤ 1e-5), sync and async alike, no tensors left", async () => {
    const key = { seed: 6, iteration: 3 };
    const schedule = vpSchedule({ betaMin: 0.1, betaMax: 20 });
    const single = tf.variableGrads(() => ddpmLoss(model.epsilon, schedule, x0, { ...ddpm, ...key }), variablesOf(model.epsilon));
    const before = tf.memory().numTensors;
    const viaSync = pool.ddpmGradientsSync(model.epsilon, x0, ddpm, key);
    const viaAsync = await pool.ddpmGradients(model.epsilon, x0, ddpm, key);
    const read = (r: typeof single): number[] => [r.value.dataSync()[0] as number, ...model.epsilon.parameters.flatMap((p) => Array.from((r.grads[p.variable.name] as tf.Tensor).dataSync()))];
    expect(Object.keys(viaSync.grads).sort()).toEqual(Object.keys(single.grads).sort());
    const [a, b, c] = [read(single), read(viaSync), read(viaAsync)];
    expect(b).toEqual(c); // the same shards, the same arithmetic
    expect(relativeError(b, a)).toBeLessThan(1e-5);
    tf.dispose([viaSync.value, ...Object.values(viaSync.grads), viaAsync.value, ...Object.values(viaAsync.grads)]);
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    tf.dispose([single.value, ...Object.values(single.grads)]);
    // a narrower U-Net is not the spec's ε-network
    const narrow = unet({ ...tiny, baseChannels: 4, seed: 1, name: 'score' });
    expect(() => pool.ddpmGradientsSync(narrow, x0, ddpm, key)).toThrow(/the ε-network does not match the spec/);
    narrow.dispose();
  }, 60_000);

  it('reports a worker-side error through gradientsSync, naming the worker and its task (a batch of the wrong image size)', () => {
    const bad = tf.zeros([2, 4, 4, 1]);
    expect(() => remote.gradientsSync(model, bad, grid, { seed: 1, iteration: 0 })).toThrow(/dataParallel worker \d+, task 'gradients' of rows \[0, 2\): /);
    bad.dispose();
  }, 60_000);
});
