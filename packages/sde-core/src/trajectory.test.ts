import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '@diffflow/test-utils';
import { constantDiffusion } from './diffusion.js';
import { fixedGrid } from './grid.js';
import { forwardNoise } from './noise.js';
import { disposeTrajectory, simulateForward } from './trajectory.js';

describe('simulateForward', () => {
  it('with f = −x follows the OU mean decay and keeps one state per time, without leaks', () => {
    const grid = fixedGrid({ steps: 50, tMin: 0, tMax: 1, beta: 1 });
    const x0 = tf.fill([20000, 1], 2);
    const before = tf.memory().numTensors;
    const traj = simulateForward((x) => tf.neg(x), constantDiffusion(0.3), x0, grid, forwardNoise(1, 0));
    expect(traj.states).toHaveLength(51);
    const mean = take(tf.mean(traj.states[50]!))[0]!;
    // Euler: (1 − 1/50)^50 · 2 = 0.7284 (exact OU: 2e^{-1} = 0.7358); MC s.e. ≈ 0.0015
    expect(mean).toBeCloseTo(2 * (1 - 1 / 50) ** 50, 2);
    disposeTrajectory(traj);
    expect(tf.memory().numTensors).toBe(before);
    x0.dispose();
  });
});
