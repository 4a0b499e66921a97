// Your own sampler (stochastic_heun.ts, one file) with a library model — on this thread and split
// across worker threads by the data-parallel pool, which imports the sampler by its module's URL —
// next to the library's samplers by name.
// Run: npx tsx --conditions=@diffflow/source examples/06_own_sampler.ts
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy, insideSupport } from '@diffflow/datasets';
import { fixedGrid, forwardNoise, variablesOf } from '@diffflow/sde-core';
import { trajectoryKl } from '@diffflow/losses';
import { runSampler, sampleWith, SamplerModelError, samplerNames } from '@diffflow/likelihood';
import { modelFromSpec, type ModelSpec } from '@diffflow/networks';
import { dataParallel } from '@diffflow/parallel';
import { iterations } from './budget.js';
import { stochasticHeun, stochasticHeunModule } from './stochastic_heun.js';

await selectBackend({ quiet: true });
// a library model as plain data, so the pool's workers can rebuild it: DiffFlow with two Fourier MLPs
const spec: ModelSpec = {
  drift: { dim: 2, hidden: 64, seed: 1, name: 'drift' },
  score: { dim: 2, hidden: 64, seed: 2, name: 'score' },
  diffusion: { kind: 'constant', value: 0.5 },
};
const model = modelFromSpec(spec);
const grid = fixedGrid({ steps: 10, tMin: 1e-3, tMax: 0.5, beta: 1 });
const optimizer = tf.train.adam(5e-3);
for (let it = 0; it < iterations(300); it++) {
  const x0 = tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('checkerboard', 256, { seed: 0, iteration: it }), [256, 2]), 0.25));
  optimizer.minimize(() => trajectoryKl(model, x0, grid, forwardNoise(0, it)).objective, false, variablesOf(model.sde.drift, model.score));
  x0.dispose();
}

const n = 1000;
const request = { grid, n, shape: [2], seed: 7 };
const inside = (x: tf.Tensor): number => {
  const values = Float32Array.from(x.dataSync(), (v) => v / 0.25); // back to the checkerboard's coordinates
  return insideSupport('checkerboard', values);
};
// 1. yours, on this thread
const mine = runSampler(stochasticHeun, model, request, { lambda: 0.5 }).samples;
// 2. yours, split across 2 worker threads + this one: each worker imports stochastic_heun's module by its URL
const pool = await dataParallel({ spec, strategy: 'naive', workers: 2 });
const split = await pool.sample(model, { ...request, sampler: { name: 'stochastic-heun', settings: { lambda: 0.5 }, module: stochasticHeunModule } });
await pool.dispose();
const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(mine, split))).dataSync()[0] as number);
console.log(`stochastic-heun: ${(100 * inside(mine)).toFixed(1)} % inside the squares; on 3 threads the same samples (largest difference ${gap.toFixed(6)})`);
// 3. the library's samplers by name, for comparison (dpm-solver and ddpm-ancestral need an SDE with a
// closed-form marginal and refuse this one, whose drift is learned, with a typed error naming it)
for (const name of samplerNames) {
  try {
    const x = sampleWith({ name }, model, request).samples;
    console.log(`${name}: ${(100 * inside(x)).toFixed(1)} % inside the squares`);
    x.dispose();
  } catch (e) {
    if (!(e instanceof SamplerModelError)) throw e;
    console.log(`${name}: not for ${e.sde} (it needs a closed-form marginal)`);
  }
}
tf.dispose([mine, split]);
[model.sde.drift, model.score].forEach((f) => f.dispose());
optimizer.dispose();
