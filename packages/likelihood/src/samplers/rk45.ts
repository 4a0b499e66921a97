import * as tf from '@tensorflow/tfjs-core';
import { reverseProcess } from '@diffflow/sde-core';
import { dormandPrince } from '../ode_solvers.js';
import { defineSampler } from './sampler.js';

/**
 * The probability-flow ODE dx/dt = f − ½ g² s (the λ = 0 reverse process) by adaptive Dormand–Prince
 * RK45 (`dormandPrince` of ode_solvers.ts), from each grid time to the next: the grid only says where
 * the path is reported — a two-point grid [t_0, T] is one adaptive solve. The step size is chosen
 * from the error of the whole chunk of rows, so the samples depend (within the tolerance) on
 * `batchSize` and on how rows are split across threads. Any SDE; deterministic; about 6 evaluations
 * per accepted step.
 */
export const rk45 = defineSampler({
  name: 'rk45',
  description: 'adaptive Dormand–Prince RK45 on the probability-flow ODE; any SDE; steps chosen by rtol/atol',
  settings: {
    rtol: { kind: 'number', default: 1e-5, min: 0, exclusiveMin: true, description: 'relative tolerance of the adaptive step' },
    atol: { kind: 'number', default: 1e-5, min: 0, exclusiveMin: true, description: 'absolute tolerance of the adaptive step' },
    maxSteps: { kind: 'integer', default: 10_000, min: 1, description: 'most steps (accepted + rejected) per grid interval before giving up' },
  },
  start: ({ model, settings, grid }) => {
    const flow = reverseProcess(model, 0);
    return {
      // backward in t is forward in u = −t: dx/du = −v(x, −u)
      step: (x, i) => {
        const rhs = (u: number, state: readonly tf.Tensor[]): tf.Tensor[] => [tf.tidy(() => tf.neg(flow.drift(state[0] as tf.Tensor, -u)))];
        const { y } = dormandPrince(rhs, [x], -(grid[i + 1] as number), -(grid[i] as number), settings);
        return y[0] as tf.Tensor;
      },
    };
  },
});
