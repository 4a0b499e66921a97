// A sampler of your own, outside the library: one `defineSampler` call. This one is Heun's method for
// the λ-family SDE dx = [f − ½(1 + λ²)g²s]dt + λg dw̄ (additive noise, so the stochastic Heun step
// keeps order 1 strong / 2 for λ = 0): predict with Euler–Maruyama, correct with the mean of the two
// drifts, and add the same noise δ to both. The library's shell (runSampler) draws the prior, cuts the
// rows into chunks and shards, keys the noise and frees the tensors; the rule only steps.
// Imported by 06_own_sampler.ts, and by each worker of the data-parallel pool (by this module's URL).
import * as tf from '@tensorflow/tfjs-core';
import { defaultLambda, reverseProcess } from '@diffflow/sde-core';
import { defineSampler } from '@diffflow/likelihood';

/** Where this module is (a .ts file under tsx, the compiled .js elsewhere): the pool's workers import it from here. */
export const stochasticHeunModule = import.meta.url;

export const stochasticHeun = defineSampler({
  name: 'stochastic-heun',
  description: "Heun's method on the λ-family SDE (the same noise in predictor and corrector); 2 evaluations per step",
  settings: {
    lambda: { kind: 'number', default: defaultLambda, min: 0, description: 'λ of the family: 1 the backward SDE, 0 the probability-flow ODE (then: heun)' },
  },
  start: ({ model, settings, grid, normal }) => {
    const process = reverseProcess(model, settings.lambda);
    return {
      step: (x, i) => {
        const t = grid[i + 1] as number;
        const next = grid[i] as number;
        const h = t - next;
        const noise = normal(i); // δ_i keyed (seed, 'sample/noise', row, i): any split of the rows draws the same
        try {
          return tf.tidy(() => {
            const kick = tf.mul(noise, process.diffusion(t) * Math.sqrt(h));
            const d = process.drift(x, t);
            const predicted = tf.add(tf.sub(x, tf.mul(d, h)), kick);
            return tf.add(tf.sub(x, tf.mul(tf.add(d, process.drift(predicted, next)), h / 2)), kick);
          });
        } finally {
          noise.dispose();
        }
      },
    };
  },
});
