/**
 * VP, sub-VP and VE with Gaussian data N(0, s² I) and the exact score s(x, t) = −x/V(t),
 * V(t) = m(t)² s² + σ(t)² (the SDE's closed-form marginal): every number below has a closed form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import {
  diffusionModel,
  fixedGrid,
  replayableNormal,
  stepSizes,
  subVpSde,
  timeFactor,
  veSde,
  vpSde,
  type DiffusionModel,
  type Sde,
} from '@diffflow/sde-core';
import { vectorField } from '@diffflow/networks';
import { probabilityFlowNll } from './probability_flow_nll.js';
import { negativeElbo } from './negative_elbo.js';
import { sampleMarginal } from './marginal_sampler.js';

const D = 2;
const S2 = 0.25; // data variance
const T0 = 1e-3;

/** [name, SDE, prior variance] */
const cases: readonly [string, Sde, number][] = [
  ['VP', vpSde(), 1],
  ['sub-VP', subVpSde(), 1],
  ['VE', veSde({ sigmaMin: 0.01, sigmaMax: 50 }), 2500], // σ_max ≫ data std, so p_T ≈ the prior (score_sde's rule)
];

function variance(sde: Sde, t: number): number {
  const { meanScale, std } = sde.marginal!(t);
  return meanScale ** 2 * S2 + std ** 2;
}

function exactModel(sde: Sde): DiffusionModel {
  const score = vectorField({ name: 'exact score', apply: (x, t) => tf.tidy(() => tf.mul(x, timeFactor((u) => -1 / variance(sde, u), t, x))) });
  return diffusionModel(sde, score);
}

/** a(t) of the SDE's linear drift, read from the field at x = 1. */
function slope(sde: Sde, t: number): number {
  return tf.tidy(() => sde.drift.apply(tf.ones([1, 1]), t).dataSync()[0] as number);
}

/** −log N(x; 0, v I) per row, float64. */
function gaussianNll(values: readonly number[], v: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / D; r++) {
    let q = 0;
    for (let j = 0; j < D; j++) q += (values[r * D + j] as number) ** 2;
    out.push(q / (2 * v) + (D / 2) * Math.log(2 * Math.PI * v));
  }
  return out;
}

/** E[bound] of the discretised chain from x_0 ~ N(0, v0 I), float64 (see trajectoryKl). */
function expectedBound(sde: Sde, grid: readonly number[], v0: number, priorVar: number): number {
  const dt = stepSizes(grid);
  const g = grid.map((t) => sde.diffusion(t));
  const a = grid.map((t) => slope(sde, t));
  let v = v0;
  let backward = 0;
  dt.forEach((h, i) => {
    const cf = 1 + (a[i] as number) * h;
    const next = cf * cf * v + (g[i] as number) ** 2 * h;
    const g1 = g[i + 1] as number;
    const c = 1 - (a[i + 1] as number) * h - (g1 * g1 * h) / variance(sde, grid[i + 1] as number);
    backward += ((D / 2) * (v - 2 * c * cf * v + c * c * next)) / (g1 * g1 * h);
    v = next;
  });
  const terminal = (D / 2) * (v / priorVar + Math.log(2 * Math.PI * priorVar));
  return terminal + backward - (dt.length * D) / 2 + D * Math.log((g[g.length - 1] as number) / (g[0] as number));
}

/** Variance of the λ-family chain started at the prior (no Tweedie step), float64. */
function samplerVariance(sde: Sde, grid: readonly number[], lambda: number, priorVar: number): number {
  const dt = stepSizes(grid);
  let w = priorVar;
  for (let i = dt.length - 1; i >= 0; i--) {
    const h = dt[i] as number;
    const t1 = grid[i + 1] as number;
    const g1 = sde.diffusion(t1);
    const c = 1 - (slope(sde, t1) + (0.5 * (1 + lambda * lambda) * g1 * g1) / variance(sde, t1)) * h;
    w = c * c * w + lambda * lambda * g1 * g1 * h;
  }
  return w;
}

describe.each(cases)('%s with the exact Gaussian score', (_, sde, priorVar) => {
  const model = exactModel(sde);
  const v0 = variance(sde, T0);

  it("gives the analytic −log p_{t0} by the ODE under the SDE's own prior (within 1e-3 nats/dim, every point)", () => {
    const n = 32;
    const x = tf.tidy(() => tf.mul(replayableNormal([n, D], { seed: 1, purpose: 'data', iteration: 0, step: 0 }), Math.sqrt(v0)));
    const result = expectNoLeaks(() => probabilityFlowNll(model, x, { grid: [T0, 1], solver: 'rk45', rtol: 1e-6, atol: 1e-6 }));
    const exact = gaussianNll(Array.from(x.dataSync()), v0);
    exact.forEach((e, r) => expect(Math.abs((result.nll[r] as number) - e) / D, `row ${r}`).toBeLessThan(1e-3));
    x.dispose();
  });

  it('has a negative ELBO equal to its closed-form expectation (4 standard errors) and above the NLL', () => {
    const grid = fixedGrid({ steps: 16, tMin: T0, tMax: 1, beta: 1 });
    const chunks = 8;
    const rows = 2500;
    const x = tf.tidy(() => tf.mul(replayableNormal([chunks * rows, D], { seed: 2, purpose: 'data', iteration: 0, step: 0 }), Math.sqrt(v0)));
    const means: number[] = [];
    for (let k = 0; k < chunks; k++) {
      const part = tf.slice(x, k * rows, rows);
      means.push(expectNoLeaks(() => negativeElbo(model, part, grid, { seed: 3, pass: k })).nats);
      part.dispose();
    }
    const mean = means.reduce((s, m) => s + m, 0) / chunks;
    const se = Math.sqrt(means.reduce((s, m) => s + (m - mean) ** 2, 0) / (chunks - 1) / chunks);
    const expected = expectedBound(sde, grid, v0, priorVar);
    expect(Math.abs(mean - expected)).toBeLessThan(4 * se + 1e-3);
    // E[bound] ≥ E[−log p_B] ≥ the data's entropy, which is E[NLL] under the exact model
    const entropy = (D / 2) * Math.log(2 * Math.PI * Math.E * v0);
    expect(expected).toBeGreaterThan(entropy);
    const nll = gaussianNll(Array.from(x.dataSync()), v0);
    expect(mean).toBeGreaterThan(nll.reduce((s, v) => s + v, 0) / nll.length);
    x.dispose();
  });

  it("samples from the SDE's prior with the moments of the λ-family chain (λ = 1 and 0; 4.5 standard errors, n = 4000)", () => {
    const grid = fixedGrid({ steps: 16, tMin: T0, tMax: 1, beta: 1 });
    const n = 4000;
    for (const lambda of [1, 0]) {
      const xs = expectNoLeaks(() => take(sampleMarginal(model, { grid, lambda, n, shape: [D], seed: 4, denoise: false }).samples));
      const w = samplerVariance(sde, grid, lambda, priorVar);
      const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
      const v = xs.reduce((s, u) => s + u * u, 0) / xs.length; // mean 0 known
      expect(Math.abs(mean), `λ = ${lambda} mean`).toBeLessThan(4.5 * Math.sqrt(w / xs.length));
      expect(Math.abs(v - w), `λ = ${lambda} variance`).toBeLessThan(4.5 * w * Math.sqrt(2 / xs.length));
    }
  });
});
