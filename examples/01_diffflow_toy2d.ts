// DiffFlow on a 2-D toy, end to end: train drift and score jointly with the trajectory KL (stochastic
// adjoint gradients), sample with the backward SDE, and score held-out points (ODE NLL, −ELBO).
// Run: npx tsx --conditions=@diffflow/source examples/01_diffflow_toy2d.ts
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy } from '@diffflow/datasets';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, variablesOf } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { adjointGradients, disposeGradientResult } from '@diffflow/adjoint';
import { negativeElbo, probabilityFlowNll, sampleMarginal, summarizeNll } from '@diffflow/likelihood';
import { iterations } from './budget.js';

await selectBackend({ quiet: true });
const data = (n: number, iteration: number, seed = 0): tf.Tensor2D =>
  tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('checkerboard', n, { seed, iteration }), [n, 2]), 0.25)); // into ≈ [−1, 1]²

// the model: a learned drift f_θ and a score s_φ, g = 0.2, prior N(0, I), on [0, T] (the reference 2-D setup)
const drift = fourierMlp({ dim: 2, hidden: 64, seed: 1, name: 'drift' });
const score = fourierMlp({ dim: 2, hidden: 64, seed: 2, name: 'score' });
const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2), interval: [0, 0.05] }), score);
const grid = fixedGrid({ steps: 30, tMin: 1e-3, tMax: 0.05, beta: 0.9 });

const optimizer = tf.train.adam(1e-3);
const steps = iterations(300);
for (let it = 0; it < steps; it++) {
  const x0 = data(256, it);
  const { loss, grads } = adjointGradients(model, x0, grid, forwardNoise(/* seed */ 0, it));
  optimizer.applyGradients(variablesOf(drift, score).map((v) => ({ name: v.name, tensor: grads[v.name] as tf.Tensor })));
  if (it % 50 === 0 || it === steps - 1) console.log(`iteration ${it}: loss ${loss.objective.dataSync()[0]?.toFixed(3)}`);
  disposeGradientResult({ loss, grads });
  x0.dispose();
}

// samples: the backward SDE from the prior, Tweedie last step (the default)
const { samples } = sampleMarginal(model, { grid, lambda: 1, n: 1000, shape: [2], seed: 7 });
const mean = tf.mean(samples, 0);
console.log(`sample mean ${Array.from(mean.dataSync(), (v) => v.toFixed(3)).join(', ')}`);
mean.dispose();

// held-out likelihood: exact NLL by the probability-flow ODE, and the negative ELBO of the chain
const test = data(256, 0, /* another seed */ 1);
const ode = probabilityFlowNll(model, test, { grid, solver: 'rk45' });
const nll = summarizeNll(ode.nll, ode.dim);
const elbo = negativeElbo(model, test, grid, { seed: 8, draws: 2 });
console.log(`held-out NLL ${nll.nats.toFixed(3)} ± ${nll.standardError.toFixed(3)} nats, −ELBO ${elbo.nats.toFixed(3)} nats`);

tf.dispose([samples, test]);
optimizer.dispose();
drift.dispose();
score.dispose();
