// DiffFlow in a web page: the library packages bundled by Vite under the `browser` condition. Trains
// a few iterations on a ring of points and samples from the model, on tfjs's cpu backend (a real app
// picks WebGPU, WebGL or wasm: see packages/playground/src/worker/backend.ts). Built, not run, by
// examples/browser_app.test.ts; `npx vite --config examples/browser/vite.config.ts` serves it.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '@diffflow/backend';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, variablesOf } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { adjointGradients, disposeGradientResult } from '@diffflow/adjoint';
import { sampleMarginal } from '@diffflow/likelihood';

await registerGradients(); // under `browser`: tfjs-core's own register_all_gradients module
await tf.setBackend('cpu');
const ring = tf.tidy(() => {
  const angle = tf.linspace(0, 2 * Math.PI, 128);
  return tf.stack([tf.cos(angle), tf.sin(angle)], 1) as tf.Tensor2D;
});
const drift = fourierMlp({ dim: 2, hidden: 16, seed: 1, name: 'drift' });
const score = fourierMlp({ dim: 2, hidden: 16, seed: 2, name: 'score' });
const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2), interval: [0, 0.05] }), score);
const grid = fixedGrid({ steps: 10, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
const adam = tf.train.adam(1e-2);
for (let it = 0; it < 20; it++) {
  const { loss, grads } = adjointGradients(model, ring, grid, forwardNoise(0, it));
  adam.applyGradients(variablesOf(drift, score).map((v) => ({ name: v.name, tensor: grads[v.name] as tf.Tensor })));
  disposeGradientResult({ loss, grads });
}
const { samples } = sampleMarginal(model, { grid, lambda: 1, n: 256, shape: [2], seed: 3 });
const out = document.querySelector('#out');
if (out !== null) out.textContent = `${tf.getBackend()}: 256 samples, first ${Array.from(samples.dataSync().slice(0, 2), (v) => v.toFixed(3)).join(', ')}`;
tf.dispose([ring, samples]);
