import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { fixedGrid, stepSizes } from './grid.js';
import { forwardStep } from './euler_maruyama.js';
import { forwardNoise, replayableNormal } from './noise.js';
import { gaussianPrior, standardNormalPrior } from './prior.js';
import { checkSdeGrid, linearDrift, sde, type Sde } from './sde.js';
import { diffflowSde } from './diffflow_sde.js';
import { subVpSde, vpSchedule, vpSde } from './vp_sde.js';
import { veSde } from './ve_sde.js';
import { constantDiffusion } from './diffusion.js';

const builtIns: readonly [string, Sde][] = [
  ['VP', vpSde(vpSchedule())],
  ['sub-VP', subVpSde(vpSchedule())],
  ['VE', veSde({ sigmaMin: 0.01, sigmaMax: 50 })],
];

/** a(t) of a linear drift, read back from the field at x = 1. */
function slope(s: Sde, t: number): number {
  return tf.tidy(() => s.drift.apply(tf.ones([1, 1]), t).dataSync()[0] as number);
}

/**
 * Mean and variance (per dim) of the Euler–Maruyama chain x_{i+1} = (1 + a_i Δt_i) x_i + g_i √Δt_i ξ_i
 * from x_0 ~ N(μ, s²), in float64.
 */
function eulerMoments(s: Sde, grid: readonly number[], mu: number, s2: number): { mean: number; variance: number } {
  let mean = mu;
  let variance = s2;
  stepSizes(grid).forEach((dt, i) => {
    const t = grid[i] as number;
    const c = 1 + slope(s, t) * dt;
    mean *= c;
    variance = c * c * variance + s.diffusion(t) ** 2 * dt;
  });
  return { mean, variance };
}

describe.each(builtIns)('%s SDE', (_, s) => {
  it('has a closed-form marginal equal to the moments of the Euler chain in the limit (Richardson, relative 1e-4)', () => {
    const mu = 0.7;
    const s2 = 0.3;
    const marginal = s.marginal!;
    for (const t of [0.05, 0.3, 1]) {
      // the chain's O(Δt) bias cancels in 2·chain(2N) − chain(N), leaving O(Δt²)
      const [coarse, fine] = [1000, 2000].map((steps) => eulerMoments(s, fixedGrid({ steps, tMin: 0, tMax: t, beta: 1 }), mu, s2)) as [
        { mean: number; variance: number },
        { mean: number; variance: number },
      ];
      const mean = 2 * fine.mean - coarse.mean;
      const chainVariance = 2 * fine.variance - coarse.variance;
      const { meanScale, std } = marginal(t);
      const variance = meanScale ** 2 * s2 + std ** 2;
      expect(Math.abs(mean - meanScale * mu) / Math.abs(meanScale * mu), `mean at t = ${t}`).toBeLessThan(1e-4);
      expect(Math.abs(chainVariance - variance) / variance, `variance at t = ${t}`).toBeLessThan(1e-4);
    }
    expect(marginal(0)).toEqual({ meanScale: 1, std: 0 });
  });

  it('moves samples through forwardStep with the moments of its own Euler chain (4 standard errors, n = 20000)', () => {
    const n = 20_000;
    const mu = 0.7;
    const sd = Math.sqrt(0.3);
    const grid = fixedGrid({ steps: 12, tMin: 0, tMax: 1, beta: 1 });
    const noise = forwardNoise(3, 0);
    const values = expectNoLeaks(() => {
      let x = tf.tidy(() => tf.add(tf.mul(replayableNormal([n, 1], { seed: 1, purpose: 'data', iteration: 0, step: 0 }), sd), mu));
      stepSizes(grid).forEach((dt, i) => {
        const t = grid[i] as number;
        const next = tf.tidy(() => forwardStep(x, s.drift.apply(x, t), s.diffusion(t), dt, noise(i, x.shape)));
        x.dispose();
        x = next;
      });
      return take(x);
    });
    const chain = eulerMoments(s, grid, mu, sd * sd);
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean - chain.mean)).toBeLessThan(4 * Math.sqrt(chain.variance / n));
    expect(Math.abs(variance - chain.variance)).toBeLessThan(4 * chain.variance * Math.sqrt(2 / n));
  });

  it('has a prior close to its marginal at T for centred data of variance 0.25 (log-densities within 1e-3 nats/dim)', () => {
    const { meanScale, std } = s.marginal!(s.interval[1]);
    const sdT = Math.sqrt(meanScale ** 2 * 0.25 + std ** 2);
    const x = tf.tensor2d([[0.3, -1.2], [2, 0.1]]);
    const got = take(s.prior.logDensity(x));
    const xs = [[0.3, -1.2], [2, 0.1]];
    xs.forEach((row, r) => {
      const exact = row.reduce((acc, v) => acc - 0.5 * (v / sdT) ** 2 - Math.log(sdT) - 0.5 * Math.log(2 * Math.PI), 0);
      expect(Math.abs((got[r] as number) - exact) / 2).toBeLessThan(1e-3);
    });
    x.dispose();
  });
});

describe('sde', () => {
  it('refuses a grid outside its time interval, e.g. [−1, 0, 1]', () => {
    expect(() => checkSdeGrid(vpSde(), [-1, 0, 1])).toThrow(/must lie inside the time interval \[0, 1\] of VP/);
    expect(() => checkSdeGrid(vpSde(), [0.5, 1.5])).toThrow(/must lie inside/);
    const diffflow = diffflowSde({ drift: linearDrift(() => 0), diffusion: constantDiffusion(0.2) });
    expect(() => checkSdeGrid(diffflow, [-1, 0, 1])).toThrow(/\[0, Infinity\]/);
    expect(() => checkSdeGrid(diffflow, [0.001, 0.05])).not.toThrow();
    expect(() => checkSdeGrid(vpSde(), [0, 0.5, 0.5])).toThrow(/increase strictly/);
  });

  it('checks its interval and fills the prior N(0, I) and [0, ∞) by default', () => {
    const s = sde({ drift: linearDrift(() => -1, 'ou'), diffusion: constantDiffusion(Math.SQRT2) });
    expect(s.prior).toBe(standardNormalPrior);
    expect(s.interval).toEqual([0, Number.POSITIVE_INFINITY]);
    expect(s.marginal).toBeUndefined();
    expect(() => sde({ drift: linearDrift(() => 0), diffusion: constantDiffusion(1), interval: [1, 1] })).toThrow(/interval must be/);
  });

  it('has a linear drift that takes a shared time or one per row', () => {
    const f = linearDrift((t) => -t, 'f');
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const t = tf.tensor1d([0.5, 2]);
    expect(expectNoLeaks(() => take(f.apply(x, t)))).toEqual([-0.5, -1, -6, -8]);
    expect(take(f.apply(x, 0.5))).toEqual([-0.5, -1, -1.5, -2]);
    tf.dispose([x, t]);
  });
});

describe('gaussianPrior', () => {
  it('has log N(x; 0, σ² I) as its density and draws rows keyed by their index', () => {
    const p = gaussianPrior(2);
    const x = tf.tensor2d([[1, -2]]);
    const logp = take(p.logDensity(x))[0] as number;
    expect(logp).toBeCloseTo(-(1 + 4) / 8 - 2 * Math.log(2) - Math.log(2 * Math.PI), 5);
    const whole = expectNoLeaks(() => take(p.sample([0, 10], [3], 4)));
    expect(take(p.sample([4, 7], [3], 4))).toEqual(whole.slice(12, 21));
    const unit = take(standardNormalPrior.sample([0, 10], [3], 4));
    whole.forEach((v, k) => expect(v).toBeCloseTo(2 * (unit[k] as number), 5));
    expect(() => gaussianPrior(0)).toThrow(/std must be/);
    x.dispose();
  });
});
