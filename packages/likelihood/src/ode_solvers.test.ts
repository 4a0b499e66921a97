import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { dormandPrince, rk4, type OdeRhs } from './ode_solvers.js';

// y₁' = −y₁ (a [2] tensor) and y₂' = cos t (a [1] tensor): y₁(t) = y₁(0)e^{−t}, y₂(t) = y₂(0) + sin t
const rhs: OdeRhs = (t, [y1]) => tf.tidy(() => [tf.neg(y1 as tf.Tensor), tf.fill([1], Math.cos(t))]);
const exact = (t0: number, t1: number): number[] => [1.5 * Math.exp(-(t1 - t0)), -0.5 * Math.exp(-(t1 - t0)), 0.2 + Math.sin(t1) - Math.sin(t0)];

function solve(f: (y0: tf.Tensor[]) => { y: tf.Tensor[]; nfe: number; accepted: number; rejected: number }): { y: number[]; nfe: number; accepted: number; rejected: number } {
  return expectNoLeaks(() => {
    const y0 = [tf.tensor1d([1.5, -0.5]), tf.tensor1d([0.2])];
    const s = f(y0);
    tf.dispose(y0);
    return { y: s.y.flatMap(take), nfe: s.nfe, accepted: s.accepted, rejected: s.rejected };
  });
}

const maxErr = (a: number[], b: number[]): number => Math.max(...a.map((v, k) => Math.abs(v - b[k]!)));

describe('rk4', () => {
  it('is fourth order (halving h divides the error by ≈ 16) and costs 4 evaluations per step', () => {
    const e = [8, 16].map((steps) => {
      const s = solve((y0) => rk4(rhs, y0, fixedGrid({ steps, tMin: 0.1, tMax: 2.1, beta: 1 })));
      expect(s.nfe).toBe(4 * steps);
      return maxErr(s.y, exact(0.1, 2.1));
    });
    // h = 0.25: error ≈ 1e-5, far above float32 rounding (≈ 1e-7); ratio 16 ± 25 %
    expect(e[0]! / e[1]!).toBeGreaterThan(12);
    expect(e[0]! / e[1]!).toBeLessThan(20);
  });
});

describe('dormandPrince', () => {
  it('meets the tolerance, spends more evaluations on a tighter one, and counts 2 + 6 per attempted step', () => {
    const runs = [1e-3, 1e-6].map((tol) => solve((y0) => dormandPrince(rhs, y0, 0.1, 4.1, { rtol: tol, atol: tol })));
    runs.forEach((s, k) => {
      expect(s.nfe).toBe(2 + 6 * (s.accepted + s.rejected));
      // global error of a tolerance-controlled local error: a few times tol (float32 floor 1e-6)
      expect(maxErr(s.y, exact(0.1, 4.1))).toBeLessThan(10 * [1e-3, 1e-6][k]! + 2e-6);
    });
    expect(runs[1]!.nfe).toBeGreaterThan(runs[0]!.nfe);
  });

  it('rejects and shrinks steps on a fast mode, and still lands on t1', () => {
    const stiff: OdeRhs = (_t, [y]) => tf.tidy(() => [tf.mul(y as tf.Tensor, -40)]);
    const s = expectNoLeaks(() => {
      const y0 = [tf.tensor1d([1])];
      const out = dormandPrince(stiff, y0, 0, 0.5, { rtol: 1e-5, atol: 1e-8 });
      tf.dispose(y0);
      return { y: out.y.flatMap(take), rejected: out.rejected, accepted: out.accepted };
    });
    expect(Math.abs(s.y[0]! - Math.exp(-20))).toBeLessThan(1e-7);
    expect(s.accepted).toBeGreaterThan(5);
  });

  it('rejects bad tolerances and step limits with RangeErrors, and stops at maxSteps with an Error, without leaks', () => {
    expectNoLeaks(() => {
      const y0 = [tf.tensor1d([1, 2]), tf.tensor1d([0])];
      expect(() => dormandPrince(rhs, y0, 0, 1, { rtol: 0 })).toThrow(/rtol must be a finite number > 0, got 0/);
      expect(() => dormandPrince(rhs, y0, 0, 1, { atol: -1e-5 })).toThrow(/atol must be a finite number > 0, got -0.00001/);
      expect(() => dormandPrince(rhs, y0, 0, 1, { maxSteps: 0 })).toThrow(/maxSteps must be an integer ≥ 1/);
      expect(() => dormandPrince(rhs, y0, 1, 1)).toThrow(/needs finite t0 < t1/);
      expect(() => dormandPrince(rhs, y0, 0, 50, { rtol: 1e-8, atol: 1e-8, maxSteps: 3 })).toThrow(/reached maxSteps = 3/);
      tf.dispose(y0);
    });
  });
});
