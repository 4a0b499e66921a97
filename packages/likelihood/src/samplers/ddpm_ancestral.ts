import * as tf from '@tensorflow/tfjs-core';
import { applyField } from '@diffflow/sde-core';
import { defineSampler, SamplerModelError } from './sampler.js';

/**
 * The DDPM ancestral sampler (Ho et al. 2020, Algorithm 2) on any grid of a variance-preserving SDE
 * (marginal x_t = m_t x_0 + σ_t ε with m_t² + σ_t² = 1: VP, DDPM), respaced as improved-DDPM does: from
 * ᾱ_i = m(t_i)², each step t_{i+1} → t_i has α'_i = ᾱ_{i+1} / ᾱ_i, β'_i = 1 − α'_i and
 *   x_i = (x_{i+1} − β'_i / σ_{i+1} · ε̂) / √α'_i + s_i δ_i,   ε̂ = −σ_{i+1} s(x_{i+1}, t_{i+1}),
 * s_i² = β'_i (`posteriorVariance` false, Ho et al.'s CIFAR-10 choice) or the posterior
 * β'_i (1 − ᾱ_i) / (1 − ᾱ_{i+1}); no noise on the last step. On the grid t_k = k/K of a K-step
 * schedule this is losses' `ddpmAncestralSample` with 'continuous' ᾱ (its own noise keys aside).
 * One score evaluation per step.
 */
export const ddpmAncestral = defineSampler({
  name: 'ddpm-ancestral',
  description: "DDPM's ancestral chain respaced to the grid, for variance-preserving SDEs (VP, DDPM); 1 evaluation per step",
  settings: {
    posteriorVariance: { kind: 'boolean', default: false, description: 'step variance β̃ (the posterior) instead of β' },
  },
  checkModel: (model) => {
    const marginal = model.sde.marginal;
    const T = model.sde.interval[1];
    const at = marginal === undefined || !Number.isFinite(T) ? undefined : marginal(T);
    if (at === undefined || Math.abs(at.meanScale ** 2 + at.std ** 2 - 1) > 1e-6) {
      throw new SamplerModelError(
        'ddpm-ancestral',
        model.sde.name,
        `sampler 'ddpm-ancestral' needs a variance-preserving SDE (marginal m_t x_0 + σ_t ε with m_t² + σ_t² = 1: VP, DDPM); '${model.sde.name}' is not — use dpm-solver (VP, sub-VP, VE) or heun`,
      );
    }
  },
  start: ({ model, settings, grid, normal }) => {
    const marginal = model.sde.marginal;
    if (marginal === undefined) throw new SamplerModelError('ddpm-ancestral', model.sde.name, `sampler 'ddpm-ancestral': '${model.sde.name}' has no closed-form marginal`);
    return {
      step: (x, i) => {
        const t = grid[i + 1] as number;
        const m1 = marginal(t).meanScale;
        const m0 = marginal(grid[i] as number).meanScale;
        const alphaBar1 = m1 * m1;
        const alphaBar0 = m0 * m0;
        const alpha = alphaBar1 / alphaBar0;
        const beta = 1 - alpha;
        const variance = settings.posteriorVariance ? (beta * (1 - alphaBar0)) / (1 - alphaBar1) : beta;
        const noise = i > 0 ? normal(i) : null;
        try {
          return tf.tidy(() => {
            // x − β'/σ · ε̂ = x + β' s (ε̂ = −σ s)
            const mean = tf.div(tf.add(x, tf.mul(applyField(model.score, 'score', x, t), beta)), Math.sqrt(alpha));
            return noise === null ? mean : tf.add(mean, tf.mul(noise, Math.sqrt(variance)));
          });
        } finally {
          noise?.dispose();
        }
      },
    };
  },
});
