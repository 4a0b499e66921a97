import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { ouMixture, threeGaussians2d } from './ou_mixture.fixture.js';
import { probabilityFlowNll, standardNormalLogDensity, type NllOptions } from './probability_flow_nll.js';
import { summarizeNll } from './units.js';

// OU dx = −x dt + √2 dw: stationary N(0, I), so with T = 10 the default prior is right to e^{−10}
const gauss3 = ouMixture({
  rate: 1,
  g: Math.SQRT2,
  components: [{ weight: 1, mean: [0.8, -0.5, 1.2], cov: [[0.3, 0.1, 0.05], [0.1, 0.2, -0.05], [0.05, -0.05, 0.4]] }],
});
const mixture = threeGaussians2d();

/** Largest |log p from the ODE − closed-form log p_{t0}| over the rows. */
function maxError(m: ReturnType<typeof ouMixture>, x: tf.Tensor, t0: number, options: NllOptions): { err: number; nfe: number } {
  const rows = x.arraySync() as number[][];
  const r = expectNoLeaks(() => probabilityFlowNll(m.model, x, options));
  return { err: Math.max(...rows.map((p, i) => Math.abs(-r.nll[i]! - m.logDensity(p, t0)))), nfe: r.nfe };
}

describe('probabilityFlowNll', () => {
  it('matches the closed-form log-density of Gaussian data (D = 3, full covariance) within 1e-2 nats, RK4 and RK45, N(0, I) prior', () => {
    const x = gauss3.sample(24, 0, 1);
    // measured: RK4 N = 40 → 3.5e-4, RK45 tol 1e-5 → 1.6e-4 (the floor is the e^{−10} prior mismatch)
    const rk4 = maxError(gauss3, x, 0, { grid: fixedGrid({ steps: 40, tMin: 0, tMax: 10, beta: 0.5 }) });
    expect(rk4.err).toBeLessThan(1e-2);
    expect(rk4.nfe).toBe(160);
    const rk45 = maxError(gauss3, x, 0, { grid: [0, 10], solver: 'rk45', rtol: 1e-5, atol: 1e-5 });
    expect(rk45.err).toBeLessThan(1e-2);
    x.dispose();
  });

  it('matches the closed-form log-density of a 3-component Gaussian mixture within 1e-2 nats, with the exact p_T as prior', () => {
    const t0 = 1e-3;
    const x = mixture.sample(24, t0, 2);
    const prior = mixture.priorLogDensity(1);
    // measured: RK4 N = 40 → 7e-6, RK45 tol 1e-5 → 2.2e-4 with ≈ 62 evaluations
    expect(maxError(mixture, x, t0, { grid: fixedGrid({ steps: 40, tMin: t0, tMax: 1, beta: 0.5 }), priorLogDensity: prior }).err).toBeLessThan(1e-2);
    const rk45 = maxError(mixture, x, t0, { grid: [t0, 1], solver: 'rk45', priorLogDensity: prior });
    expect(rk45.err).toBeLessThan(1e-2);
    expect(rk45.nfe).toBeGreaterThan(10);
    x.dispose();
  });

  it('integrates from the data to T: the trace integral is ∫ (−aD + ½g² tr P(t)) dt and the prior term is log p_T(x_T)', () => {
    const x = gauss3.sample(4, 0, 3);
    const grid = fixedGrid({ steps: 40, tMin: 0, tMax: 2, beta: 0.5 });
    const r = expectNoLeaks(() => probabilityFlowNll(gauss3.model, x, { grid, priorLogDensity: gauss3.priorLogDensity(2) }));
    // reference: Simpson's rule with 2000 panels in float64 (error ≪ 1e-6)
    const trace = (t: number): number => {
      const p = gauss3.marginal(t)[0]!.precision;
      return -3 + 0.5 * 2 * (p[0]![0]! + p[1]![1]! + p[2]![2]!);
    };
    const m = 2000;
    let integral = trace(0) + trace(2);
    for (let k = 1; k < m; k++) integral += (k % 2 === 1 ? 4 : 2) * trace((2 * k) / m);
    integral *= 2 / (3 * m);
    // a run in the wrong direction (T → t_0) would flip the sign of this integral
    r.traceIntegral.forEach((v) => expect(Math.abs(v - integral)).toBeLessThan(1e-3));
    // the prior term sits at x_T: for this flow it is the exact log p_T of the ODE's end point, so
    // log p_0(x) = priorLogp + traceIntegral exactly as computed above
    (x.arraySync() as number[][]).forEach((p, i) => expect(Math.abs(r.priorLogp[i]! + r.traceIntegral[i]! - gauss3.logDensity(p, 0))).toBeLessThan(1e-2));
    x.dispose();
  });

  it('Hutchinson NLLs average to the exact-trace NLL (K = 16 probes per row, 48 rows, 4.5 standard errors)', () => {
    const x = gauss3.sample(48, 0, 4);
    const options: NllOptions = { grid: fixedGrid({ steps: 16, tMin: 0, tMax: 3, beta: 0.5 }), priorLogDensity: gauss3.priorLogDensity(3) };
    const exact = expectNoLeaks(() => probabilityFlowNll(gauss3.model, x, options)).nll;
    const hutch = expectNoLeaks(() => probabilityFlowNll(gauss3.model, x, { ...options, trace: { kind: 'hutchinson', probes: 16, seed: 2 } })).nll;
    const diff = summarizeNll(Float64Array.from(hutch, (h, i) => h - exact[i]!), 1);
    expect(diff.standardError).toBeGreaterThan(1e-4); // the probes really are random
    expect(Math.abs(diff.nats)).toBeLessThan(4.5 * diff.standardError);
    x.dispose();
  });

  it('does not depend on batchSize (per-row probes), and counts evaluations per chunk', () => {
    const x = mixture.sample(10, 0.01, 5);
    const base: NllOptions = { grid: fixedGrid({ steps: 6, tMin: 0.01, tMax: 0.5, beta: 0.5 }), trace: { kind: 'hutchinson', probes: 2, seed: 1, distribution: 'gaussian' } };
    const whole = expectNoLeaks(() => probabilityFlowNll(mixture.model, x, base));
    const parts = expectNoLeaks(() => probabilityFlowNll(mixture.model, x, { ...base, batchSize: 4 }));
    expect(whole.nfePerChunk).toEqual([24]);
    expect(parts.nfePerChunk).toEqual([24, 24, 24]);
    expect(parts.nfe).toBe(72);
    parts.nll.forEach((v, i) => expect(Math.abs(v - whole.nll[i]!)).toBeLessThan(1e-4));
    // another pass draws other probes
    const pass1 = expectNoLeaks(() => probabilityFlowNll(mixture.model, x, { ...base, pass: 1 }));
    expect(Array.from(pass1.nll)).not.toEqual(Array.from(whole.nll));
    x.dispose();
  });

  it('uses N(0, I) by default: log N(x; 0, I) = −½‖x‖² − (D/2) log 2π', () => {
    const x = tf.tensor2d([[1, 2, 2]]);
    const lp = expectNoLeaks(() => take(standardNormalLogDensity(x)));
    x.dispose();
    expect(lp[0]).toBeCloseTo(-4.5 - 1.5 * Math.log(2 * Math.PI), 5);
  });

  it('frees every tensor when the field fails halfway through a solve (RK4 and RK45)', () => {
    const failing = {
      ...mixture.model,
      score: {
        ...mixture.model.score,
        apply: (x: tf.Tensor, t: number | tf.Tensor1D) => {
          if (typeof t === 'number' && t > 0.3 && t < 0.7) throw new Error('field failed');
          return mixture.model.score.apply(x, t);
        },
      },
    };
    const x = mixture.sample(5, 0, 1);
    expectNoLeaks(() => {
      expect(() => probabilityFlowNll(failing, x, { grid: fixedGrid({ steps: 8, tMin: 0, tMax: 1, beta: 1 }) })).toThrow(/field failed/);
      expect(() => probabilityFlowNll(failing, x, { grid: [0, 1], solver: 'rk45' })).toThrow(/field failed/);
    });
    x.dispose();
  });

  it('rejects bad input with a RangeError naming the argument, without leaks', () => {
    const grid = [0, 1];
    const nan = tf.tensor2d([
      [0, 1],
      [1, Number.POSITIVE_INFINITY],
    ]);
    const wide = tf.zeros([2, 3]);
    const ok = tf.zeros([2, 2]);
    expectNoLeaks(() => {
      const m = mixture.model;
      expect(() => probabilityFlowNll(m, nan, { grid })).toThrow(/x must be finite everywhere, got Infinity at flat index 3 \(row 1\)/);
      expect(() => probabilityFlowNll(m, wide, { grid })).toThrow(/x has per-sample shape \[3\], which the model's ou-drift field does not accept/);
      expect(() => probabilityFlowNll(m, ok, { grid, solver: 'rk45', rtol: 0 })).toThrow(/rtol must be a finite number > 0, got 0/);
      expect(() => probabilityFlowNll(m, ok, { grid, solver: 'rk45', atol: -1 })).toThrow(/atol must be a finite number > 0, got -1/);
      expect(() => probabilityFlowNll(m, ok, { grid, trace: { kind: 'hutchinson', probes: 0, seed: 1 } })).toThrow(/trace.probes \(K\) must be an integer ≥ 1, got 0/);
      expect(() => probabilityFlowNll(m, ok, { grid, trace: { kind: 'hutchinson', probes: 1.5, seed: 1 } })).toThrow(/trace.probes \(K\)/);
      expect(() => probabilityFlowNll(m, ok, { grid, solver: 'euler' as 'rk4' })).toThrow(/solver must be 'rk4' or 'rk45', got euler/);
      expect(() => probabilityFlowNll(m, ok, { grid: [1, 0] })).toThrow(/grid must increase strictly/);
      expect(() => probabilityFlowNll(m, ok, { grid, batchSize: 0 })).toThrow(/batchSize must be an integer ≥ 1/);
      expect(() => probabilityFlowNll(m, ok, { grid, priorLogDensity: (xT) => tf.sum(xT) as unknown as tf.Tensor1D })).toThrow(/priorLogDensity must map \[B, \.\.\.D\] to \[B\] = \[2\], got \[\]/);
    });
    tf.dispose([nan, wide, ok]);
  });
});
