// Your own network as the drift or the score: any function of (x, t) with tfjs variables becomes a
// VectorField with `vectorField`; its pull-backs default to autodiff, so the adjoint, the sampler and
// the ODE all take it. Combinators (sumFields, scaleField, …) build on it without breaking gradients.
// Run: npx tsx --conditions=@diffflow/source examples/03_own_network.ts
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { sampleToy } from '@diffflow/datasets';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, linearDrift, replayableNormal, variablesOf, vpSde } from '@diffflow/sde-core';
import { fourierMlp, sumFields, vectorField, type VectorField } from '@diffflow/networks';
import { adjointGradients, disposeGradientResult } from '@diffflow/adjoint';
import { sampleMarginal } from '@diffflow/likelihood';
import { iterations } from './budget.js';

await selectBackend({ quiet: true });

/** A one-hidden-layer tanh MLP on [x, t], weights from a keyed draw. */
function myNetwork(name: string, seed: number, hidden = 32): VectorField {
  const init = (shape: number[], step: number, scale: number): tf.Variable => {
    const value = tf.tidy(() => tf.mul(replayableNormal(shape, { seed, purpose: `init/${name}`, iteration: 0, step }), scale));
    const variable = tf.variable(value, true, `${name}/${step}`);
    value.dispose(); // the variable holds the data now; the initial tensor would otherwise stay alive
    return variable;
  };
  const w1 = init([3, hidden], 0, 0.5);
  const w2 = init([hidden, 2], 1, 0.01);
  return vectorField({
    name,
    parameters: [w1, w2].map((variable) => ({ name: variable.name, variable })),
    apply: (x, t) =>
      tf.tidy(() => {
        const time = typeof t === 'number' ? tf.fill([x.shape[0] as number, 1], t) : tf.reshape(t, [-1, 1]);
        return tf.matMul(tf.tanh(tf.matMul(tf.concat([x, time], 1), w1)), w2);
      }),
    dispose: () => tf.dispose([w1, w2]),
  });
}

// as the drift (plus a fixed contraction −x, by a combinator), with a library network as the score
const drift = sumFields([myNetwork('drift', 1), linearDrift(() => -1)], 'drift');
const score = fourierMlp({ dim: 2, hidden: 32, seed: 2, name: 'score' });
const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.5), interval: [0, 0.5] }), score);
const grid = fixedGrid({ steps: 10, tMin: 1e-3, tMax: 0.5, beta: 1 });
const optimizer = tf.train.adam(1e-3);
for (let it = 0; it < iterations(200); it++) {
  const x0 = tf.tidy(() => tf.mul(tf.tensor2d(sampleToy('2spirals', 128, { seed: 0, iteration: it }), [128, 2]), 0.25));
  const { loss, grads } = adjointGradients(model, x0, grid, forwardNoise(0, it));
  optimizer.applyGradients(variablesOf(drift, score).map((v) => ({ name: v.name, tensor: grads[v.name] as tf.Tensor })));
  if (it % 50 === 0) console.log(`iteration ${it}: loss ${loss.objective.dataSync()[0]?.toFixed(3)}`);
  disposeGradientResult({ loss, grads });
  x0.dispose();
}
const { samples } = sampleMarginal(model, { grid, lambda: 1, n: 256, shape: [2], seed: 3 });
console.log(`own drift: ${samples.shape[0]} samples, first ${Array.from(samples.dataSync().slice(0, 2), (v) => v.toFixed(3))}`);

// as the score of a VP model: the same field type, the same sampler
const vpScore = myNetwork('score', 4);
const vp = sampleMarginal(diffusionModel(vpSde(), vpScore), { grid: fixedGrid({ steps: 20, tMin: 1e-3, tMax: 1, beta: 1 }), lambda: 1, n: 256, shape: [2], seed: 5 });
console.log(`own score under VP: ${vp.samples.shape[0]} samples`);
tf.dispose([samples, vp.samples]);
[drift, score, vpScore].forEach((f) => f.dispose());
optimizer.dispose();
