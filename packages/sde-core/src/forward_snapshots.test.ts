import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { constantDiffusion } from './diffusion.js';
import { fixedGrid } from './grid.js';
import { forwardNoise } from './noise.js';
import { forwardSnapshots, snapshotIndices } from './forward_snapshots.js';
import { disposeTrajectory, simulateForward } from './trajectory.js';

describe('snapshotIndices', () => {
  it('spreads count indices evenly over 0 … steps, both ends included, repeats kept once', () => {
    expect(snapshotIndices(30, 6)).toEqual([0, 6, 12, 18, 24, 30]);
    expect(snapshotIndices(5, 4)).toEqual([0, 2, 3, 5]); // round(5/3) = 2, round(10/3) = 3
    expect(snapshotIndices(100, 5)).toEqual([0, 25, 50, 75, 100]);
    expect(snapshotIndices(2, 5)).toEqual([0, 1, 2]); // 0, 0.5 → 1, 1, 1.5 → 2, 2
  });

  it('refuses a bad steps or count, naming it', () => {
    expect(() => snapshotIndices(0, 3)).toThrow(/steps must be an integer >= 1, got 0/);
    expect(() => snapshotIndices(10, 1)).toThrow(/count must be an integer >= 2, got 1/);
    expect(() => snapshotIndices(10, 2.5)).toThrow(/count must be an integer >= 2, got 2.5/);
  });
});

describe('forwardSnapshots', () => {
  const grid = fixedGrid({ steps: 12, tMin: 0, tMax: 1, beta: 1 });
  const f = (x: tf.Tensor): tf.Tensor => tf.mul(x, -0.5);

  it("are simulateForward's states at the picked times, with the same noise, without leaks", () => {
    const x0 = tf.tensor2d([1, 2, -1, 0.5, 3, -2], [3, 2]);
    const snaps = expectNoLeaks(() => forwardSnapshots(f, constantDiffusion(0.7), x0, grid, forwardNoise(4, 0), 4));
    const traj = simulateForward(f, constantDiffusion(0.7), x0, grid, forwardNoise(4, 0));
    expect(snaps.times).toEqual([0, 4, 8, 12].map((i) => grid[i]));
    expect(snaps.states.map((s) => Array.from(s))).toEqual([0, 4, 8, 12].map((i) => Array.from(traj.states[i]!.dataSync())));
    expect(Array.from(snaps.states[0]!)).toEqual([1, 2, -1, 0.5, 3, -2]); // x_0 itself
    disposeTrajectory(traj);
    expect(x0.isDisposed).toBe(false);
    x0.dispose();
  });

  it('refuses a bad count before simulating, without leaks', () => {
    const x0 = tf.zeros([2, 2]);
    expectNoLeaks(() => {
      expect(() => forwardSnapshots(f, constantDiffusion(1), x0, grid, forwardNoise(0, 0), 1)).toThrow(RangeError);
    });
    x0.dispose();
  });
});
