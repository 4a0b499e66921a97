import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { diffflowSde, diffusionModel, constantDiffusion, linearDrift, replayableNormal, subVpSde, timeFactor, veSde, vpSde, type Sde } from '@diffflow/sde-core';
import { vectorField } from '@diffflow/networks';
import { scoreMatchingLoss } from './score_matching.js';

describe('scoreMatchingLoss', () => {
  // Data N(0, s² I) and the exact score −x/V(t), V = m²s² + σ²: σ s + ε ~ N(0, r I), r = m²s²/V, per row,
  // so the loss's expectation is D·E_t[m(t)² s² / V(t)], t ~ U(tMin, T) (float64 quadrature).
  it.each([
    ['VP', vpSde()],
    ['sub-VP', subVpSde()],
    ['VE', veSde({ sigmaMin: 0.01, sigmaMax: 5 })],
  ] as const)('%s: equals its closed-form expectation with the exact score (4 standard errors, B = 20000)', (_, sde: Sde) => {
    const s2 = 0.25;
    const D = 2;
    const B = 20_000;
    const V = (t: number) => sde.marginal!(t).meanScale ** 2 * s2 + sde.marginal!(t).std ** 2;
    const score = vectorField({ name: 'exact', apply: (x, t) => tf.tidy(() => tf.mul(x, timeFactor((u) => -1 / V(u), t, x))) });
    const model = diffusionModel(sde, score);
    const x0 = tf.tidy(() => tf.mul(replayableNormal([B, D], { seed: 1, purpose: 'data', iteration: 0, step: 0 }), Math.sqrt(s2)));
    const loss = expectNoLeaks(() => take(scoreMatchingLoss(model, x0, { seed: 2, iteration: 0, tMin: 1e-3 }))[0]!);
    const K = 20_000;
    let expected = 0;
    let second = 0;
    for (let k = 0; k < K; k++) {
      const t = 1e-3 + ((k + 0.5) / K) * (1 - 1e-3);
      const r = (sde.marginal!(t).meanScale ** 2 * s2) / V(t);
      expected += (D * r) / K;
      second += (r * r * (2 * D + D * D)) / K; // per dim σs + ε ~ N(0, r): a row is r·χ²_D
    }
    const se = Math.sqrt((second - expected * expected) / B);
    expect(Math.abs(loss - expected)).toBeLessThan(4 * se);
    x0.dispose();
  });

  it('refuses an SDE without a closed-form marginal', () => {
    const model = diffusionModel(diffflowSde({ drift: linearDrift(() => 0), diffusion: constantDiffusion(1) }), linearDrift(() => -1));
    const x0 = tf.zeros([2, 2]);
    expect(() => scoreMatchingLoss(model, x0, { seed: 0, iteration: 0 })).toThrow(/no closed-form marginal/);
    x0.dispose();
  });
});

describe('a field of the wrong shape', () => {
  it('is named with both shapes by scoreMatchingLoss, ddpmLoss and the ancestral sampler', async () => {
    const { ddpmLoss } = await import('./ddpm_loss.js');
    const { ddpmAncestralSample } = await import('./ddpm_sampler.js');
    const narrow = vectorField({ name: 'narrow', apply: (x) => tf.slice(x, [0, 0], [-1, 1]) });
    const x0 = tf.zeros([4, 2]);
    const message = /field 'narrow' maps x of shape \[4, 2\] to \[4, 1\]/;
    expect(() => scoreMatchingLoss(diffusionModel(vpSde(), narrow), x0, { seed: 0, iteration: 0 })).toThrow(message);
    expect(() => ddpmLoss(narrow, { betaMin: 0.1, betaMax: 20, steps: 10 }, x0, { seed: 0, iteration: 0 })).toThrow(message);
    expect(() => ddpmAncestralSample(narrow, { betaMin: 0.1, betaMax: 20, steps: 10 }, { n: 4, shape: [2], seed: 0 })).toThrow(message);
    x0.dispose();
  });
});
