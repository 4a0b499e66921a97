import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { fixedGrid } from '@diffflow/sde-core';
import { trajectoryKl } from '@diffflow/losses';
import { ouMixture } from './ou_mixture.fixture.js';
import { elboNoise, negativeElbo } from './negative_elbo.js';

// OU with exact score, T = 6: the forward chain ends at N(0, I) up to e^{−6}, so the bound can only be
// loose through the discretisation, which vanishes as N grows.
const gauss = ouMixture({ rate: 1, g: Math.SQRT2, components: [{ weight: 1, mean: [0.8, -0.5], cov: [[0.3, 0.1], [0.1, 0.2]] }] });

describe('negativeElbo', () => {
  it('bounds the exact NLL from above and tightens as N grows (n = 500, K = 4 draws)', () => {
    const x = gauss.sample(500, 0, 1);
    const exact = (x.arraySync() as number[][]).reduce((s, p) => s - gauss.logDensity(p, 0), 0) / 500;
    const bound = (steps: number) =>
      expectNoLeaks(() => negativeElbo(gauss.model, x, fixedGrid({ steps, tMin: 0, tMax: 6, beta: 0.5 }), { seed: 1, draws: 4 }));
    const coarse = bound(25);
    const fine = bound(100);
    // measured: N = 25 → exact + 0.150 (se 0.007); N = 100 → exact + 0.023 (se 0.008)
    expect(fine.nats).toBeGreaterThan(exact - 4 * fine.standardError);
    expect(fine.nats - exact).toBeLessThan(0.06);
    expect(coarse.nats - fine.nats).toBeGreaterThan(0.05);
    expect(fine.perDraw).toHaveLength(4);
    expect(fine.bitsPerDim).toBeCloseTo(fine.nats / (2 * Math.LN2), 10);
    x.dispose();
  });

  it('is trajectoryKl(...).bound with the documented per-row noise, whatever the batchSize', () => {
    const x = gauss.sample(9, 0, 2);
    const grid = fixedGrid({ steps: 5, tMin: 1e-3, tMax: 0.5, beta: 0.9 });
    const whole = expectNoLeaks(() => negativeElbo(gauss.model, x, grid, { seed: 4 }));
    const chunked = expectNoLeaks(() => negativeElbo(gauss.model, x, grid, { seed: 4, batchSize: 2 }));
    const direct = expectNoLeaks(() => {
      const loss = trajectoryKl(gauss.model, x, grid, elboNoise(4, 0, 0, [0, 9]));
      const value = loss.bound.dataSync()[0]!;
      tf.dispose(Object.values(loss));
      return value;
    });
    expect(Math.abs(whole.nats - direct)).toBeLessThan(1e-5);
    expect(Math.abs(chunked.nats - direct)).toBeLessThan(1e-4);
    expect(Number.isNaN(whole.standardError)).toBe(true);
    x.dispose();
  });

  it('rejects bad input with a RangeError naming the argument', () => {
    const x = tf.tensor2d([
      [0, Number.NaN],
      [0, 0],
    ]);
    const ok = tf.zeros([2, 2]);
    expectNoLeaks(() => {
      expect(() => negativeElbo(gauss.model, ok, [0, 1], { seed: 1, draws: 0 })).toThrow(/draws \(K\) must be an integer ≥ 1, got 0/);
      expect(() => negativeElbo(gauss.model, x, [0, 1], { seed: 1 })).toThrow(/x must be finite everywhere, got NaN/);
      expect(() => negativeElbo(gauss.model, ok, [0], { seed: 1 })).toThrow(/grid must have at least 2 time points/);
    });
    tf.dispose([x, ok]);
  });
});
