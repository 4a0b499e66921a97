import * as tf from '@tensorflow/tfjs-core';
import { reverseProcess } from '@diffflow/sde-core';
import { defineSampler } from './sampler.js';

/**
 * Heun's second-order method on the probability-flow ODE dx/dt = v(x, t) = f − ½ g² s (the λ = 0
 * reverse process; EDM's Algorithm 1, Karras et al. 2022, in the SDE's own time): from t = t_{i+1}
 * to t' = t_i, h = t − t',
 *   d = v(x, t),  x̃ = x − h d,  x' = x − (h/2) (d + v(x̃, t')).
 * Any SDE, a learned drift included; deterministic (no noise); 2 evaluations per step, global error O(h²).
 */
export const heun = defineSampler({
  name: 'heun',
  description: "Heun's 2nd-order step on the probability-flow ODE (EDM); any SDE; 2 evaluations per step",
  settings: {},
  start: ({ model, grid }) => {
    const flow = reverseProcess(model, 0);
    return {
      step: (x, i) =>
        tf.tidy(() => {
          const t = grid[i + 1] as number;
          const next = grid[i] as number;
          const h = t - next;
          const d = flow.drift(x, t);
          const predicted = tf.sub(x, tf.mul(d, h));
          return tf.sub(x, tf.mul(tf.add(d, flow.drift(predicted, next)), h / 2));
        }),
    };
  },
});
