import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { backwardNoise, backwardStep, forwardStep, halfSquaredNorm } from './euler_maruyama.js';

const t2 = (v: number[][]) => tf.tensor2d(v);

describe('Euler–Maruyama steps (paper Eqs. 11, 12, 15)', () => {
  it('forward step: x + f Δt + g √Δt δ, by hand', () => {
    // x = [1, −2], f = [4, 8], Δt = 0.25, g = 2, δ = [1, −1]:
    // x' = [1 + 1 + 2·0.5·1, −2 + 2 − 1] = [3, −1]
    const inputs = [t2([[1, -2]]), t2([[4, 8]]), t2([[1, -1]])] as const;
    const out = expectNoLeaks(() => take(forwardStep(inputs[0], inputs[1], 2, 0.25, inputs[2])));
    tf.dispose([...inputs]);
    expect(out[0]).toBeCloseTo(3, 6);
    expect(out[1]).toBeCloseTo(-1, 6);
  });

  it('backward step: z − (f − g² s) Δt + g √Δt δ, by hand, with and without noise', () => {
    // z = [1, 1], f = [2, 0], s = [1, −1], g = 0.5 → f − g²s = [1.75, 0.25]; Δt = 0.04
    // mean = [1 − 0.07, 1 − 0.01] = [0.93, 0.99]; + 0.5·0.2·[1, 2] = [1.03, 1.19]
    const z = t2([[1, 1]]);
    const f = t2([[2, 0]]);
    const s = t2([[1, -1]]);
    const noisy = take(backwardStep(z, f, s, 0.5, 0.04, t2([[1, 2]])));
    const mean = take(backwardStep(z, f, s, 0.5, 0.04, null));
    expect(noisy[0]).toBeCloseTo(1.03, 6);
    expect(noisy[1]).toBeCloseTo(1.19, 6);
    expect(mean[0]).toBeCloseTo(0.93, 6);
    expect(mean[1]).toBeCloseTo(0.99, 6);
  });

  it('backward noise inverts the backward step: δ^B reproduces x_i from x_{i+1}', () => {
    // x_i = [0.5, −0.3], x_{i+1} = [0.7, 0.1], f = [1, 2], s = [−3, 0.5], g = 0.2, Δt = 0.01
    // δ^B = (x_i − x_{i+1} + (f − g² s) Δt) / (g √Δt)
    //     = ([−0.2, −0.4] + [1.12, 1.98]·0.01) / 0.02 = [−9.44, −19.01]
    const x = t2([[0.5, -0.3]]);
    const z = t2([[0.7, 0.1]]);
    const f = t2([[1, 2]]);
    const s = t2([[-3, 0.5]]);
    const d = backwardNoise(x, z, f, s, 0.2, 0.01);
    expect(take(d.clone())[0]).toBeCloseTo(-9.44, 3);
    expect(take(d.clone())[1]).toBeCloseTo(-19.01, 3);
    const back = take(backwardStep(z, f, s, 0.2, 0.01, d));
    expect(back[0]).toBeCloseTo(0.5, 5);
    expect(back[1]).toBeCloseTo(-0.3, 5);
    d.dispose();
    expect(() => backwardNoise(x, z, f, s, 0, 0.01)).toThrow(/g\(t_\{i\+1\}\) must be > 0/);
  });

  it('½‖v‖² per row for any rank', () => {
    const v = tf.tensor4d([1, 2, 3, 4, 0, 0, 0, 2], [2, 2, 2, 1]);
    expect(take(halfSquaredNorm(v))).toEqual([15, 2]);
    v.dispose();
  });
});
