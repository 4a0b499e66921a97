import { defaultLambda, reverseProcess } from '@diffflow/sde-core';
import { defineSampler } from './sampler.js';

/**
 * Euler–Maruyama on the marginal-equivalent family (paper Eq. 17), f, s and g at the right end point
 * (as Eq. 12):
 *   x_i = x_{i+1} − [f_{i+1} − ((1 + λ²)/2) g_{i+1}² s_{i+1}] Δt_i + λ g_{i+1} √Δt_i δ_i,
 * δ_i keyed (seed, 'sample/noise', row, i); with `denoise` the last step (t_1 → t_0) is the Tweedie
 * step, the noise-free mean of the λ = 1 step. λ = 1 is the backward SDE, λ = 0 the probability-flow
 * ODE by Euler. One model evaluation per step. The library's sampler before there were others:
 * bit-identical to `sampleMarginal` of 665c757.
 */
export const eulerMaruyama = defineSampler({
  name: 'euler-maruyama',
  description: 'Euler–Maruyama on the λ-family dx = [f − ½(1 + λ²)g²s]dt + λg dw (λ = 1 backward SDE, 0 probability-flow ODE); 1 evaluation per step',
  settings: {
    lambda: { kind: 'number', default: defaultLambda, min: 0, description: 'λ of the family: 1 the backward SDE, 0 the probability-flow ODE' },
    denoise: { kind: 'boolean', default: true, description: 'last step as the noise-free Tweedie denoising step' },
  },
  start: ({ model, settings, grid, normal }) => {
    const process = reverseProcess(model, settings.lambda);
    return {
      step: (x, i) => {
        const t1 = grid[i + 1] as number;
        const dt = t1 - (grid[i] as number);
        if (i === 0 && settings.denoise) return process.tweedieStep(x, t1, dt);
        const noise = settings.lambda > 0 ? normal(i) : null;
        try {
          return process.step(x, t1, dt, noise);
        } finally {
          noise?.dispose();
        }
      },
    };
  },
});
