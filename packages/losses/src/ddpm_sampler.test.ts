import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { VectorField } from '@diffflow/networks';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { ddpmAlphaBars, type DdpmTime } from './ddpm_schedule.js';
import { defaultVpSchedule, vpMarginal, type VpSchedule } from '@diffflow/sde-core';
import { ddpmAncestralSample, ddpmRespacing, ddpmStridedSteps, type DdpmVariance } from './ddpm_sampler.js';

/** Gaussian data N(μ, diag s²) in 2-D. */
const mu = [1.5, -0.5];
const sd = [0.5, 2];

/** ᾱ at the network time t of the chosen discretisation. */
function alphaBarAt(schedule: VpSchedule, time: DdpmTime): (t: number) => number {
  if (time === 'continuous') return (t) => vpMarginal(schedule, t).meanCoefficient ** 2;
  const table = ddpmAlphaBars(schedule, 'discrete');
  return (t) => table[Math.round(t * schedule.steps)] as number;
}

/**
 * The exact ε of Gaussian data: E[ε | x_t] = σ (x − √ᾱ μ) / (ᾱ s² + σ²) per dimension, σ² = 1 − ᾱ
 * (so −ε/σ is the exact score of the noised data). A closed-form field with no parameters.
 */
function exactEpsilon(alphaBar: (t: number) => number): VectorField {
  return {
    name: 'exactEpsilon',
    apply: (x, t) =>
      tf.tidy(() => {
        if (typeof t !== 'number') throw new Error('shared t only');
        const ab = alphaBar(t);
        const sigma = Math.sqrt(1 - ab);
        const variance = sd.map((s) => ab * s * s + sigma * sigma);
        const centre = tf.tensor1d(mu.map((m) => Math.sqrt(ab) * m));
        const scale = tf.tensor1d(variance.map((v) => sigma / v));
        return tf.mul(tf.sub(x, centre), scale);
      }),
    parameters: [],
    parameterCount: 0,
    dispose: () => undefined,
  };
}

/**
 * What the sampler's output distribution is, computed independently: with the exact ε of Gaussian
 * data every reverse step is affine, x_{i−1} = A x_i + c + σ_i z, so per dimension the mean and the
 * variance propagate exactly from N(0, 1) (float64, no sampling).
 */
function propagatedMoments(schedule: VpSchedule, steps: number, time: DdpmTime, variance: DdpmVariance): { mean: number[]; variance: number[] } {
  const chain = ddpmRespacing(schedule, steps, time);
  const ab = alphaBarAt(schedule, time);
  const mean = [0, 0];
  const vars = [1, 1];
  for (let i = steps; i >= 1; i--) {
    const beta = chain.betas[i - 1] as number;
    const a = chain.alphaBars[i] as number;
    const aPrev = chain.alphaBars[i - 1] as number;
    expect(ab(chain.times[i - 1] as number)).toBeCloseTo(a, 12); // the field sees the chain's ᾱ
    const sigmaT = Math.sqrt(1 - a);
    const c1 = 1 / Math.sqrt(1 - beta);
    const c2 = beta / sigmaT;
    const noise = i === 1 ? 0 : variance === 'beta' ? beta : (beta * (1 - aPrev)) / (1 - a);
    for (let d = 0; d < 2; d++) {
      const slope = sigmaT / (a * (sd[d] as number) ** 2 + (1 - a)); // ε* = slope · (x − √ᾱ μ)
      const gain = c1 * (1 - c2 * slope);
      const shift = c1 * c2 * slope * Math.sqrt(a) * (mu[d] as number);
      mean[d] = gain * (mean[d] as number) + shift;
      vars[d] = gain * gain * (vars[d] as number) + noise;
    }
  }
  return { mean, variance: vars };
}

/** Per-dimension sample mean and (unbiased) variance of an [n, 2] tensor (disposed). */
function moments(x: tf.Tensor): { n: number; mean: number[]; variance: number[] } {
  const n = x.shape[0] as number;
  const v = take(x);
  const mean = [0, 1].map((d) => v.filter((_, i) => i % 2 === d).reduce((s, y) => s + y, 0) / n);
  const variance = [0, 1].map((d) => v.filter((_, i) => i % 2 === d).reduce((s, y) => s + (y - (mean[d] as number)) ** 2, 0) / (n - 1));
  return { n, mean, variance };
}

/**
 * Sample moments against target moments: 4 standard errors, √(v/n) for the mean and v √(2/(n−1)) for
 * the variance of Gaussian samples, plus `bias` (an absolute allowance for a known model error).
 */
function expectMoments(got: ReturnType<typeof moments>, want: { mean: number[]; variance: number[] }, bias = 0, label = ''): void {
  for (let d = 0; d < 2; d++) {
    const v = want.variance[d] as number;
    expect(Math.abs((got.mean[d] as number) - (want.mean[d] as number)), `${label} mean[${d}]`).toBeLessThan(4 * Math.sqrt(v / got.n) + bias);
    expect(Math.abs((got.variance[d] as number) - v), `${label} variance[${d}]`).toBeLessThan(4 * v * Math.sqrt(2 / (got.n - 1)) + bias * v);
  }
}

describe('ddpmStridedSteps', () => {
  it("keeps improved-DDPM's evenly strided steps, first and last included", () => {
    expect(ddpmStridedSteps(1000, 5)).toEqual([1, 251, 501, 750, 1000]);
    expect(ddpmStridedSteps(1000, 10)).toEqual(Array.from({ length: 10 }, (_, i) => 1 + 111 * i));
    expect(ddpmStridedSteps(7, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ddpmStridedSteps(1000, 1)).toEqual([1000]);
    for (const n of [5, 10, 20, 30, 50, 100]) {
      const s = ddpmStridedSteps(1000, n);
      expect(s).toHaveLength(n);
      expect(s[0]).toBe(1);
      expect(s[n - 1]).toBe(1000);
      for (let i = 1; i < n; i++) expect(s[i]! - s[i - 1]!).toBeGreaterThanOrEqual(Math.floor(999 / (n - 1)));
    }
  });

  it('respaces ᾱ: ᾱ\'_i = ᾱ_{τ_i} and Π(1 − β\'_j) = ᾱ\'_i', () => {
    const full = ddpmAlphaBars(defaultVpSchedule);
    const r = ddpmRespacing(defaultVpSchedule, 20);
    let product = 1;
    r.steps.forEach((k, i) => {
      expect(r.alphaBars[i + 1]).toBe(full[k]);
      expect(r.times[i]).toBe(k / 1000);
      product *= 1 - (r.betas[i] as number);
      expect(product / (full[k] as number)).toBeCloseTo(1, 10);
    });
    const all = ddpmRespacing(defaultVpSchedule, 1000);
    expect(Array.from(all.alphaBars)).toEqual(Array.from(full));
  });

  it('rejects steps outside [1, K] with a RangeError naming steps', () => {
    expect(() => ddpmStridedSteps(1000, 0)).toThrow(RangeError);
    expect(() => ddpmStridedSteps(1000, 0)).toThrow(/steps must be an integer in \[1, K = 1000\], got 0/);
    expect(() => ddpmStridedSteps(1000, 1001)).toThrow(/steps/);
    expect(() => ddpmStridedSteps(1000, 2.5)).toThrow(/steps/);
  });
});

describe('ddpmAncestralSample', () => {
  const net = exactEpsilon(alphaBarAt(defaultVpSchedule, 'continuous'));

  it('with the exact ε of Gaussian data, recovers the data mean and variance (K = 1000), without leaks', () => {
    const n = 4000;
    // the sampler's exact output law differs from the data by the discretisation alone; bound it
    const exact = propagatedMoments(defaultVpSchedule, 1000, 'continuous', 'beta');
    const bias = Math.max(
      ...[0, 1].map((d) => Math.abs((exact.mean[d] as number) - (mu[d] as number)) / (sd[d] as number)),
      ...[0, 1].map((d) => Math.abs((exact.variance[d] as number) / (sd[d] as number) ** 2 - 1)),
    );
    expect(bias).toBeLessThan(0.01); // measured: 0.003
    const x = expectNoLeaks(() => moments(ddpmAncestralSample(net, defaultVpSchedule, { n, shape: [2], seed: 5 })));
    expectMoments(x, { mean: mu, variance: sd.map((s) => s * s) }, bias * Math.max(...sd), 'data');
  });

  it('on strided chains matches the exactly propagated moments, for both variances and both discretisations', () => {
    const n = 4000;
    for (const [steps, time, variance] of [
      [10, 'continuous', 'beta'],
      [10, 'continuous', 'posterior'],
      [5, 'continuous', 'beta'],
      [50, 'discrete', 'posterior'],
    ] as const) {
      const field = time === 'continuous' ? net : exactEpsilon(alphaBarAt(defaultVpSchedule, time));
      const want = propagatedMoments(defaultVpSchedule, steps, time, variance);
      const got = expectNoLeaks(() => moments(ddpmAncestralSample(field, defaultVpSchedule, { n, shape: [2], steps, seed: 6, time, variance })));
      expectMoments(got, want, 0, `${steps} ${time} ${variance}`);
    }
    // the variance choice matters at N = 10: it must not pass by accident
    const beta = propagatedMoments(defaultVpSchedule, 10, 'continuous', 'beta');
    const posterior = propagatedMoments(defaultVpSchedule, 10, 'continuous', 'posterior');
    expect(Math.abs((beta.variance[0] as number) - (posterior.variance[0] as number))).toBeGreaterThan(0.05);
  });

  it('is replayed from its seed and batch index', () => {
    const opts = { n: 8, shape: [2], steps: 5, seed: 3 };
    const a = take(ddpmAncestralSample(net, defaultVpSchedule, opts));
    expect(take(ddpmAncestralSample(net, defaultVpSchedule, opts))).toEqual(a);
    expect(take(ddpmAncestralSample(net, defaultVpSchedule, { ...opts, iteration: 1 }))).not.toEqual(a);
    expect(take(ddpmAncestralSample(net, defaultVpSchedule, { ...opts, seed: 4 }))).not.toEqual(a);
  });

  it('rejects bad options with a RangeError naming the option, and leaks nothing when the network throws', () => {
    const base = { n: 4, shape: [2], seed: 1 };
    expect(() => ddpmAncestralSample(net, defaultVpSchedule, { ...base, steps: 0 })).toThrow(/steps must be an integer in \[1, K = 1000\], got 0/);
    expect(() => ddpmAncestralSample(net, defaultVpSchedule, { ...base, steps: 1001 })).toThrow(RangeError);
    expect(() => ddpmAncestralSample(net, defaultVpSchedule, { ...base, n: 0 })).toThrow(/n must be an integer ≥ 1/);
    expect(() => ddpmAncestralSample(net, defaultVpSchedule, { ...base, shape: [] })).toThrow(/shape/);
    expect(() => ddpmAncestralSample(net, defaultVpSchedule, { ...base, variance: 'large' as never })).toThrow(/variance must be one of beta, posterior/);
    expect(() => ddpmAncestralSample(net, { betaMin: 0, betaMax: 20, steps: 1000 }, base)).toThrow(/betaMin/);
    const broken: VectorField = { ...net, apply: () => { throw new Error('boom'); } };
    expectNoLeaks(() => {
      expect(() => ddpmAncestralSample(broken, defaultVpSchedule, { ...base, steps: 3 })).toThrow('boom');
    });
  });
});
