// The likelihood of a trained model: the exact NLL by the probability-flow ODE with the exact trace
// and with Hutchinson's estimator, the negative ELBO of the discretised chain, and bits/dim.
// Run: npx tsx --conditions=@diffflow/source examples/05_likelihood.ts
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy } from '@diffflow/datasets';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, variablesOf } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { adjointGradients, disposeGradientResult } from '@diffflow/adjoint';
import { negativeElbo, probabilityFlowNll, summarizeNll } from '@diffflow/likelihood';
import { iterations } from './budget.js';

await selectBackend({ quiet: true });
const data = (n: number, seed: number, iteration: number): tf.Tensor2D =>
  tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('8gaussians', n, { seed, iteration }), [n, 2]), 0.25));

// a short training run (see 01_diffflow_toy2d.ts)
const drift = fourierMlp({ dim: 2, hidden: 64, seed: 1, name: 'drift' });
const score = fourierMlp({ dim: 2, hidden: 64, seed: 2, name: 'score' });
const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2), interval: [0, 0.05] }), score);
const grid = fixedGrid({ steps: 20, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
const optimizer = tf.train.adam(1e-3);
for (let it = 0; it < iterations(300); it++) {
  const x0 = data(256, 0, it);
  const result = adjointGradients(model, x0, grid, forwardNoise(0, it));
  optimizer.applyGradients(variablesOf(drift, score).map((v) => ({ name: v.name, tensor: result.grads[v.name] as tf.Tensor })));
  disposeGradientResult(result);
  x0.dispose();
}

const test = data(500, 1, 0); // held out: another seed
// exact trace: D vector–Jacobian products per evaluation; adaptive RK45 between the grid's end points
const exact = probabilityFlowNll(model, test, { grid, solver: 'rk45', trace: { kind: 'exact' } });
// Hutchinson: K Rademacher probes per point, drawn once per solve (unbiased; for large D)
const hutch = probabilityFlowNll(model, test, { grid, solver: 'rk45', trace: { kind: 'hutchinson', probes: 4, seed: 5 } });
// the negative ELBO bounds the NLL of the discretised backward chain on `grid`
const elbo = negativeElbo(model, test, grid, { seed: 6, draws: 4 });

for (const [name, r] of [['exact trace', exact], ['Hutchinson, K = 4', hutch]] as const) {
  const s = summarizeNll(r.nll, r.dim);
  console.log(`NLL (${name}): ${s.nats.toFixed(3)} ± ${s.standardError.toFixed(3)} nats = ${s.bitsPerDim.toFixed(3)} bits/dim (${r.nfe} evaluations)`);
}
console.log(`−ELBO ${elbo.nats.toFixed(3)} ± ${elbo.standardError.toFixed(3)} nats = ${elbo.bitsPerDim.toFixed(3)} bits/dim`);
test.dispose();
[drift, score].forEach((f) => f.dispose());
optimizer.dispose();
