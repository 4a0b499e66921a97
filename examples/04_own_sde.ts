// Your own SDE: g(t), the time grid and the prior are yours; the drift stays learned (DiffFlow).
// Training's terminal term, the negative ELBO, the sampler and the ODE NLL all use this prior.
// Run: npx tsx --conditions=@diffflow/source examples/04_own_sde.ts
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy } from '@diffflow/datasets';
import { diffflowSde, diffusionModel, forwardNoise, functionalDiffusion, rowNormals, variablesOf, type Prior } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { trajectoryKl } from '@diffflow/losses';
import { negativeElbo, probabilityFlowNll, sampleMarginal, summarizeNll } from '@diffflow/likelihood';
import { iterations } from './budget.js';

await selectBackend({ quiet: true });
const STD = [1, 0.5]; // a diagonal Gaussian prior N(0, diag(1, 0.25))

/** A prior is two functions: keyed row draws and a per-row log-density. */
const prior: Prior = {
  name: 'N(0, diag(1, 0.25))',
  sample: (rows, dims, seed) => {
    const z = rowNormals(seed, 'sample/prior', rows, 2, 0).map((v, i) => v * (STD[i % 2] as number));
    return tf.tensor(z, [rows[1] - rows[0], ...dims], 'float32');
  },
  logDensity: (x) =>
    tf.tidy(() => {
      const scaled = tf.div(x, tf.tensor1d(STD));
      return tf.sub(tf.mul(tf.sum(tf.square(scaled), 1), -0.5), Math.log(2 * Math.PI) + Math.log(0.5)) as tf.Tensor1D;
    }),
};
const g = functionalDiffusion((t) => 0.1 + 4 * t); // g grows with t
const grid = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.05, 0.075, 0.1]; // any increasing times in the interval

const drift = fourierMlp({ dim: 2, hidden: 64, seed: 1, name: 'drift' });
const score = fourierMlp({ dim: 2, hidden: 64, seed: 2, name: 'score' });
const model = diffusionModel(diffflowSde({ drift, diffusion: g, prior, interval: [0, 0.1] }), score);

const optimizer = tf.train.adam(2e-3);
for (let it = 0; it < iterations(300); it++) {
  const x0 = tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('moons', 256, { seed: 0, iteration: it }), [256, 2]), 0.4));
  // naive gradients (autodiff through the unrolled chain) are fine for N = 8
  optimizer.minimize(() => trajectoryKl(model, x0, grid, forwardNoise(0, it)).objective, false, variablesOf(drift, score));
  x0.dispose();
}
const test = tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('moons', 256, { seed: 1, iteration: 0 }), [256, 2]), 0.4));
const elbo = negativeElbo(model, test, grid, { seed: 3 }); // a real bound: its terminal term uses this prior
const ode = probabilityFlowNll(model, test, { grid, solver: 'rk4' });
const { samples } = sampleMarginal(model, { grid, lambda: 1, n: 500, shape: [2], seed: 4 }); // starts from this prior
console.log(`−ELBO ${elbo.nats.toFixed(3)} nats, ODE NLL ${summarizeNll(ode.nll, ode.dim).nats.toFixed(3)} nats, ${samples.shape[0]} samples`);
tf.dispose([test, samples]);
[drift, score].forEach((f) => f.dispose());
optimizer.dispose();
