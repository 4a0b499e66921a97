import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { forwardNoise, forwardStep, defaultVpSchedule, vpBeta, vpMarginal, vpSchedule, vpSde } from './index.js';
import { expectNoLeaks, take } from '@diffflow/test-utils';

describe("vpSde's drift and diffusion (the DDPM baseline's forward process)", () => {
  it('are −½β(t)x and √β(t), for a shared time and for one time per row, without leaks', () => {
    const schedule = vpSchedule({ betaMin: 0.5, betaMax: 4 });
    const drift = vpSde(schedule).drift;
    expect(drift.parameters).toHaveLength(0);
    expect(drift.parameterCount).toBe(0);
    const x = tf.tensor2d([
      [1, -2],
      [3, 0.5],
    ]);
    const t = tf.tensor1d([0.25, 1]);
    const shared = expectNoLeaks(() => take(drift.apply(x, 0.25)));
    // β(0.25) = 0.5 + 0.25·3.5 = 1.375
    expect(shared).toEqual([1, -2, 3, 0.5].map((v) => -0.5 * 1.375 * v).map((v) => Math.fround(v)));
    const perRow = expectNoLeaks(() => take(drift.apply(x, t)));
    const want = [-0.5 * 1.375 * 1, -0.5 * 1.375 * -2, -0.5 * 4 * 3, -0.5 * 4 * 0.5];
    perRow.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
    expect(vpSde(schedule).diffusion(0.25)).toBeCloseTo(Math.sqrt(1.375), 12);
    expect(() => vpSde(schedule).diffusion(-1)).toThrow(RangeError);
    const wrong = tf.tensor1d([0.1, 0.2, 0.3]);
    expect(() => drift.apply(x, wrong)).toThrow(/t must be a number or \[B\] = \[2\], got \[3\]/);
    tf.dispose([x, t, wrong]);
  });

  it('simulated by Euler–Maruyama on a fine grid, have the closed-form marginal vpMarginal', () => {
    // 4000 paths from the fixed point x0 = (1.5, −2), 1000 uniform steps on [0, 1] with sde-core's
    // forwardStep; moments checked at t = 0.25 and t = 1.
    // Tolerance: |EM − exact| (the scheme's own bias, from its exact moment recursion
    // m ← (1 − ½βΔt) m, v ← (1 − ½βΔt)² v + βΔt) + 4 standard errors of the sample moments.
    const schedule = defaultVpSchedule;
    const n = 4000;
    const steps = 1000;
    const dt = 1 / steps;
    const x0 = [1.5, -2];
    const drift = vpSde(schedule).drift;
    const g = vpSde(schedule).diffusion;
    const noise = forwardNoise(11, 0);
    const checks = new Map([
      [250, 0.25],
      [1000, 1],
    ]);
    const before = tf.memory().numTensors;
    let x: tf.Tensor = tf.tidy(() => tf.tile(tf.tensor2d([x0]), [n, 1]));
    let emMean = 1;
    let emVar = 0;
    for (let i = 0; i < steps; i++) {
      const t = i * dt;
      const prev = x;
      x = tf.tidy(() => forwardStep(prev, drift.apply(prev, t), g(t), dt, noise(i, prev.shape)));
      prev.dispose();
      const shrink = 1 - 0.5 * vpBeta(schedule, t) * dt;
      emMean *= shrink;
      emVar = shrink * shrink * emVar + vpBeta(schedule, t) * dt;
      const tCheck = checks.get(i + 1);
      if (tCheck === undefined) continue;
      const { meanCoefficient, std } = vpMarginal(schedule, tCheck);
      const bias = { mean: Math.abs(emMean - meanCoefficient), std: Math.abs(Math.sqrt(emVar) - std) };
      expect(bias.mean).toBeLessThan(0.01);
      expect(bias.std).toBeLessThan(0.01);
      const values = x.dataSync();
      for (let d = 0; d < 2; d++) {
        let s = 0;
        let ss = 0;
        for (let r = 0; r < n; r++) {
          const v = values[r * 2 + d] as number;
          s += v;
          ss += v * v;
        }
        const mean = s / n;
        const sampleStd = Math.sqrt((ss - n * mean * mean) / (n - 1));
        const x0d = x0[d] as number;
        expect(Math.abs(mean - meanCoefficient * x0d), `mean, t = ${tCheck}, dim ${d}`).toBeLessThan(
          bias.mean * Math.abs(x0d) + (4 * std) / Math.sqrt(n),
        );
        expect(Math.abs(sampleStd - std), `std, t = ${tCheck}, dim ${d}`).toBeLessThan(bias.std + (4 * std) / Math.sqrt(2 * n));
      }
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
