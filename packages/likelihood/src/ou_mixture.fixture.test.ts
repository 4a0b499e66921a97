import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { threeGaussians2d } from './ou_mixture.fixture.js';

// The analytic fixture is the ground truth of the other tests, so it is checked first.
const mixture = threeGaussians2d();
const points = [
  [0.3, -0.2],
  [1.4, 0.1],
  [-0.9, 1.2],
  [2.5, -2],
];

describe('ouMixture fixture', () => {
  it('has a score equal to the gradient of its closed-form log-density (central differences in float64)', () => {
    for (const t of [0, 0.05, 0.7]) {
      for (const p of points) {
        const h = 1e-5;
        const fd = p.map((_, i) => {
          const plus = p.slice();
          const minus = p.slice();
          plus[i]! += h;
          minus[i]! -= h;
          return (mixture.logDensity(plus, t) - mixture.logDensity(minus, t)) / (2 * h);
        });
        const exact = mixture.scoreAt(p, t);
        // float64 central difference: truncation ~h² · |∂³ log p| ≲ 1e-6 here
        exact.forEach((v, i) => expect(Math.abs(v - fd[i]!), `t=${t} p=${p}`).toBeLessThan(1e-5 * (1 + Math.abs(v))));
      }
    }
  });

  it('evaluates the score and log p_t in tfjs as in float64, without leaks', () => {
    const t = 0.05;
    const x = tf.tensor2d(points);
    const s = expectNoLeaks(() => take(mixture.model.score.apply(x, t)));
    const lp = expectNoLeaks(() => take(mixture.priorLogDensity(t)(x)));
    points.forEach((p, r) => {
      const exact = mixture.scoreAt(p, t);
      // float32 evaluation of a precision up to ~10: relative 1e-5
      exact.forEach((v, i) => expect(Math.abs(s[2 * r + i]! - v)).toBeLessThan(1e-4 * (1 + Math.abs(v))));
      expect(Math.abs(lp[r]! - mixture.logDensity(p, t))).toBeLessThan(1e-4);
    });
    x.dispose();
  });

  it('draws samples whose mean matches the closed-form mean (n = 4000, 4.5 standard errors)', () => {
    const t = 0.05;
    const n = 4000;
    const xs = take(mixture.sample(n, t, 3));
    const { mean, cov } = mixture.moments(t);
    for (let i = 0; i < 2; i++) {
      let m = 0;
      for (let r = 0; r < n; r++) m += xs[2 * r + i]!;
      m /= n;
      expect(Math.abs(m - mean[i]!)).toBeLessThan(4.5 * Math.sqrt(cov[i]![i]! / n));
    }
  });
});
