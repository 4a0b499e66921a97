import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy } from '@diffflow/datasets';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, variablesOf } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { adjointGradients, disposeGradientResult } from '@diffflow/adjoint';
import { sampleMarginal } from '@diffflow/likelihood';

await selectBackend({ quiet: true }); // wasm here; tfjs-node or a GPU backend when installed
// DiffFlow: a learned forward drift f and a score s, constant g = 0.2, time [0, 0.05], prior N(0, I)
const drift = fourierMlp({ dim: 2, hidden: 32, seed: 1, name: 'drift' });
const score = fourierMlp({ dim: 2, hidden: 32, seed: 2, name: 'score' });
const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2), interval: [0, 0.05] }), score);
const grid = fixedGrid({ steps: 10, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
const adam = tf.train.adam(1e-2);
for (let it = 0; it < 200; it++) {
  const x0 = tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('checkerboard', 128, { seed: 0, iteration: it }), [128, 2]), 0.25));
  const { loss, grads } = adjointGradients(model, x0, grid, forwardNoise(0, it)); // trajectory KL, stochastic adjoint
  adam.applyGradients(variablesOf(drift, score).map((v) => ({ name: v.name, tensor: grads[v.name] as tf.Tensor })));
  if (it % 50 === 0) console.log(`iteration ${it}: loss ${loss.objective.dataSync()[0]?.toFixed(3)}`);
  disposeGradientResult({ loss, grads });
  x0.dispose();
}
const { samples } = sampleMarginal(model, { grid, lambda: 1, n: 1000, shape: [2], seed: 7 }); // the backward SDE
const mean = tf.mean(samples, 0);
console.log(`sample mean ${Array.from(mean.dataSync(), (v) => v.toFixed(3)).join(', ')}`);
tf.dispose([samples, mean]); // free what this program made: tensors, optimizer state, weights
adam.dispose();
[drift, score].forEach((f) => f.dispose());
