import * as tf from '@tensorflow/tfjs-core';
import { applyField, reverseProcess } from '@diffflow/sde-core';
import { defineSampler } from './sampler.js';

/** The NoiseKey purpose of the corrector's noise: row r, grid step i, corrector step j is keyed (seed, purpose, r, i·M + j). */
export const correctorNoisePurpose = 'sample/corrector';

/**
 * Predictor–corrector sampling (Song et al. 2021, Algorithm 1 with the reverse-diffusion predictor
 * and the Langevin corrector). At each t = t_{i+1}, M corrector steps of Langevin dynamics on p_t,
 *   x ← x + ε s(x, t) + √(2ε) z,   ε = 2 (r ‖z‖ / ‖s(x, t)‖)²   (r: the signal-to-noise ratio),
 * then the predictor, one Euler–Maruyama step of the backward SDE (λ = 1) to t_i; with `denoise` the
 * last predictor step is the Tweedie mean. As in score_sde the norms in ε are averaged over the rows
 * (here: over the chunk of rows, `batchSize`, and the shard): a per-row ε diverges where s ≈ 0. So the
 * samples depend (statistically equivalently) on `batchSize` and on how rows are split across threads;
 * with `correctorSteps: 0` they do not. 1 + M evaluations per step (the corrector needs only the score).
 */
export const predictorCorrector = defineSampler({
  name: 'predictor-corrector',
  description: 'reverse-diffusion predictor + Langevin corrector with a signal-to-noise ratio (score_sde); 1 + correctorSteps evaluations per step',
  settings: {
    snr: { kind: 'number', default: 0.16, min: 0, exclusiveMin: true, description: "signal-to-noise ratio r of the Langevin corrector's step" },
    correctorSteps: { kind: 'integer', default: 1, min: 0, description: 'Langevin corrector steps M at each time' },
    denoise: { kind: 'boolean', default: true, description: 'last step as the noise-free Tweedie denoising step' },
  },
  start: ({ model, settings, grid, normal }) => {
    const backward = reverseProcess(model, 1);
    const { snr, correctorSteps, denoise } = settings;
    /** The mean over the chunk's rows of each row's L2 norm. */
    const meanNorm = (v: tf.Tensor): tf.Tensor => tf.mean(tf.sqrt(tf.sum(tf.reshape(tf.square(v), [v.shape[0] as number, -1]), 1)));
    const correct = (x: tf.Tensor, t: number, i: number, j: number): tf.Tensor => {
      const z = normal(i * correctorSteps + j, correctorNoisePurpose);
      try {
        return tf.tidy(() => {
          const s = applyField(model.score, 'score', x, t);
          // ε = 2 (r ‖z‖ / ‖s‖)² with the norms averaged over the chunk's rows (a scalar)
          const eps = tf.mul(tf.square(tf.div(tf.mul(meanNorm(z), snr), meanNorm(s))), 2);
          return tf.add(tf.add(x, tf.mul(s, eps)), tf.mul(z, tf.sqrt(tf.mul(eps, 2))));
        });
      } finally {
        z.dispose();
      }
    };
    return {
      step: (x0, i) => {
        const t = grid[i + 1] as number;
        const dt = t - (grid[i] as number);
        let x = x0;
        try {
          for (let j = 0; j < correctorSteps; j++) {
            const next = correct(x, t, i, j);
            if (x !== x0) x.dispose();
            x = next;
          }
          if (i === 0 && denoise) return backward.tweedieStep(x, t, dt);
          const noise = normal(i);
          try {
            return backward.step(x, t, dt, noise);
          } finally {
            noise.dispose();
          }
        } finally {
          if (x !== x0) x.dispose();
        }
      },
    };
  },
});
