import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { constantDiffusion, diffflowSde, diffusionModel, reverseProcess, type DiffusionModel } from '@diffflow/sde-core';
import { fourierMlp, vjp } from '@diffflow/networks';
import { ouMixture } from './ou_mixture.fixture.js';
import { drawProbes, velocityAndDivergence, type TraceEstimator } from './divergence.js';
import { probabilityFlowVelocity } from './marginal_drift.js';

/** velocity and divergence of rows [0, B) with the given estimator, read out. */
function evaluate(model: DiffusionModel, x: tf.Tensor, t: number, trace: TraceEstimator, rows?: readonly [number, number]): { v: number[]; div: number[] } {
  return expectNoLeaks(() => {
    const probes = drawProbes(trace, x.shape.slice(1), rows ?? [0, x.shape[0]!]);
    const { velocity, divergence } = velocityAndDivergence(model, x, t, probes);
    probes.vectors.dispose();
    return { v: take(velocity), div: take(divergence) };
  });
}

describe('velocityAndDivergence', () => {
  it('gives the closed-form velocity and divergence of the OU probability flow: tr ∂v/∂x = −aD + ½g² tr P(t)', () => {
    const gauss = ouMixture({ rate: 0.7, g: 1.3, components: [{ weight: 1, mean: [0.5, -1, 2], cov: [[0.4, 0.1, 0], [0.1, 0.3, -0.1], [0, -0.1, 0.5]] }] });
    const x = gauss.sample(5, 0.2, 1);
    const t = 0.2;
    const { v, div } = evaluate(gauss.model, x, t, { kind: 'exact' });
    const p = gauss.marginal(t)[0]!;
    const expected = -0.7 * 3 + 0.5 * 1.3 ** 2 * (p.precision[0]![0]! + p.precision[1]![1]! + p.precision[2]![2]!);
    // float32: the divergence is a sum of O(1) terms; relative 1e-5
    div.forEach((d) => expect(Math.abs(d - expected)).toBeLessThan(1e-5 * Math.abs(expected) + 1e-5));
    const xs = x.arraySync() as number[][];
    xs.forEach((row, r) => {
      const s = gauss.scoreAt(row, t);
      row.forEach((xi, j) => expect(Math.abs(v[3 * r + j]! - (-0.7 * xi - 0.5 * 1.3 ** 2 * s[j]!))).toBeLessThan(1e-5));
    });
    // the velocity is the λ = 0 reverse process's drift, bit for bit (its one derivation, sde-core's reverseProcess)
    expect(take(probabilityFlowVelocity(gauss.model, x, t))).toEqual(v.map((e) => Math.fround(e)));
    expect(take(reverseProcess(gauss.model, 0).drift(x, t))).toEqual(v.map((e) => Math.fround(e)));
    x.dispose();
  });

  it('Rademacher Hutchinson is exact, with one probe, when the Jacobian is diagonal', () => {
    const diag = ouMixture({ rate: 1, g: 1, components: [{ weight: 1, mean: [0, 1, 0, -1], cov: [[0.2, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1.5, 0], [0, 0, 0, 0.1]] }] });
    const x = diag.sample(7, 0.1, 2);
    const exact = evaluate(diag.model, x, 0.1, { kind: 'exact' }).div;
    const hutch = evaluate(diag.model, x, 0.1, { kind: 'hutchinson', probes: 1, seed: 3 }).div;
    hutch.forEach((h, k) => expect(Math.abs(h - exact[k]!)).toBeLessThan(1e-5 * Math.abs(exact[k]!)));
    x.dispose();
  });

  it('agrees with the exact trace on average over many probes on a nonlinear field (fourierMlp), within 5 standard errors', () => {
    const dim = 3;
    const drift = fourierMlp({ dim, hidden: 16, layers: 1, seed: 1, name: 'drift' });
    const score = fourierMlp({ dim, hidden: 16, layers: 1, seed: 2, name: 'score' });
    const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(1.5) }), score);
    const x = tf.tensor2d([
      [0.3, -1.2, 0.8],
      [1.5, 0.2, -0.4],
      [-0.7, 0.9, 0.1],
    ]);
    const t = 0.03;
    const exact = evaluate(model, x, t, { kind: 'exact' }).div;
    // the Jacobian J = ∂f/∂x − ½g² ∂s/∂x, row by row, to get the estimator's variance per data row
    const jac = tf.tidy(() =>
      Array.from({ length: dim }, (_, k) => {
        const e = tf.mul(tf.ones([3, 1]), tf.oneHot([k], dim));
        return take(tf.sub(vjp(drift, x, t, e).dx, tf.mul(vjp(score, x, t, e).dx, 0.5 * 1.5 ** 2)));
      }),
    ); // jac[k][3 r + j] = J_r[k][j]
    const J = (r: number, i: number, j: number): number => jac[i]![dim * r + j]!;
    expect(exact.map((d, r) => Math.abs(d - (J(r, 0, 0) + J(r, 1, 1) + J(r, 2, 2)))).every((e) => e < 1e-4)).toBe(true);
    // one probe is a genuinely random estimate: it misses the exact trace
    const single = evaluate(model, x, t, { kind: 'hutchinson', probes: 1, seed: 7 }).div;
    expect(Math.max(...single.map((h, r) => Math.abs(h - exact[r]!)))).toBeGreaterThan(1e-3);
    const K = 4000;
    for (const distribution of ['rademacher', 'gaussian'] as const) {
      const est = evaluate(model, x, t, { kind: 'hutchinson', probes: K, seed: 7, distribution }).div;
      est.forEach((h, r) => {
        // Var εᵀJε = 2‖sym J‖²_F for N(0, I); Rademacher removes the diagonal: 2‖sym J‖²_F − 2 Σ_i J_ii²
        let sym = 0;
        let diag = 0;
        for (let i = 0; i < dim; i++) {
          diag += J(r, i, i) ** 2;
          for (let j = 0; j < dim; j++) sym += ((J(r, i, j) + J(r, j, i)) / 2) ** 2;
        }
        const variance = distribution === 'gaussian' ? 2 * sym : 2 * sym - 2 * diag;
        const se = Math.sqrt(variance / K);
        // the estimator's noise must dwarf float32 rounding (≈ 1e-7 here) for the check to mean anything
        expect(se, 'the test must not be trivial').toBeGreaterThan(1e-5);
        expect(Math.abs(h - exact[r]!), `${distribution} row ${r}`).toBeLessThan(5 * se);
      });
    }
    x.dispose();
    drift.dispose();
    score.dispose();
  });

  it('draws probes per data row: chunks of rows see the same probes as the whole batch', () => {
    const gauss = ouMixture({ rate: 1, g: 1, components: [{ weight: 1, mean: [0, 0], cov: [[0.5, 0.3], [0.3, 0.4]] }] });
    const x = gauss.sample(6, 0, 1);
    const trace: TraceEstimator = { kind: 'hutchinson', probes: 3, seed: 1 };
    const whole = evaluate(gauss.model, x, 0.05, trace).div;
    const [a, b] = tf.split(x, [2, 4]) as [tf.Tensor, tf.Tensor];
    const parts = [...evaluate(gauss.model, a, 0.05, trace, [0, 2]).div, ...evaluate(gauss.model, b, 0.05, trace, [2, 6]).div];
    parts.forEach((v, k) => expect(Math.abs(v - whole[k]!)).toBeLessThan(1e-5));
    tf.dispose([x, a, b]);
  });
});
