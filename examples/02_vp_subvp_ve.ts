// VP, sub-VP and VE as special cases: a fixed linear drift, a closed-form marginal, and one score
// network trained by denoising score matching — the same code path for all three (and for DiffFlow's
// sampler and likelihood code).
// Run: npx tsx --conditions=@diffflow/source examples/02_vp_subvp_ve.ts
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy } from '@diffflow/datasets';
import { diffusionModel, fixedGrid, subVpSde, variablesOf, veSde, vpSde, type Sde } from '@diffflow/sde-core';
import { fourierMlp, scoreFromEpsilon } from '@diffflow/networks';
import { scoreMatchingLoss } from '@diffflow/losses';
import { probabilityFlowNll, sampleMarginal, summarizeNll } from '@diffflow/likelihood';
import { iterations } from './budget.js';

await selectBackend({ quiet: true });
const data = (n: number, iteration: number, seed = 0): tf.Tensor2D =>
  tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('8gaussians', n, { seed, iteration }), [n, 2]), 0.25));

const sdes: Record<string, Sde> = {
  VP: vpSde(), // dx = −½β(t)x dt + √β(t) dw, prior N(0, I)
  'sub-VP': subVpSde(),
  VE: veSde({ sigmaMin: 0.01, sigmaMax: 3 }), // dx = σ(t)√(2 log(σmax/σmin)) dw, prior N(0, 9 I)
};
const steps = iterations(400);
for (const [name, sde] of Object.entries(sdes)) {
  // an ε-network, read as a score through the SDE's own σ(t): s = −ε/σ(t)
  const eps = fourierMlp({ dim: 2, hidden: 64, seed: 3, name: `eps-${name}` });
  const model = diffusionModel(sde, scoreFromEpsilon(eps, sde));
  const optimizer = tf.train.adam(2e-3);
  for (let it = 0; it < steps; it++) {
    const x0 = data(256, it);
    optimizer.minimize(() => scoreMatchingLoss(model, x0, { seed: 1, iteration: it, tMin: 1e-3 }), false, variablesOf(eps));
    x0.dispose();
  }
  // the SDE's interval is [0, 1]; stop just short of 0, where σ(0) = 0
  const grid = fixedGrid({ steps: 100, tMin: 1e-3, tMax: 1, beta: 1 });
  const { samples } = sampleMarginal(model, { grid, lambda: 1, n: 500, shape: [2], seed: 4 });
  const test = data(128, 0, 1);
  const ode = probabilityFlowNll(model, test, { grid, solver: 'rk45' }); // under the SDE's own prior
  const std = tf.tidy(() => Math.sqrt(tf.moments(samples).variance.dataSync()[0] as number));
  console.log(`${name}: sample std ${std.toFixed(3)}, held-out NLL ${summarizeNll(ode.nll, ode.dim).nats.toFixed(3)} nats`);
  tf.dispose([samples, test]);
  optimizer.dispose();
  eps.dispose();
}
