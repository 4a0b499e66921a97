import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { DENSE_PULLBACK_KERNEL, gatedDensePullback } from './dense_pullback.js';
import { transpose2d } from './transpose2d.js';

/** Deterministic float32 values of mixed sign and magnitude. */
const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 10 ** ((i % 5) - 2));

describe('gatedDensePullback', () => {
  it.each([
    [512, 64, 64],
    [2048, 64, 64],
    [7, 5, 10],
    [33, 2, 64],
    [1, 4, 8],
    [3, 1, 3],
  ])('rows %i, m %i, n %i: dp = dOut ⊙ slope exactly, ∂W and ∂b within the float32 bound of their sums, no leaks', (rows, m, n) => {
    const h = values(rows * m, 1);
    const dy = values(rows * n, 2);
    const s = values(rows * n, 3);
    const input = tf.tensor2d(h, [rows, m]);
    const dOut = tf.tensor2d(dy, [rows, n]);
    const slope = tf.tensor2d(s, [rows, n]);
    const got = expectNoLeaks(() => {
      const g = gatedDensePullback(input, dOut, slope);
      expect([g.dPre.shape, g.dWeight.shape, g.dBias.shape]).toEqual([[rows, n], [m, n], [n]]);
      return { dPre: take(g.dPre), dWeight: take(g.dWeight), dBias: take(g.dBias) };
    });
    const dp = Float32Array.from(dy, (v, i) => Math.fround(v * (s[i] as number)));
    expect(got.dPre).toEqual(Array.from(dp));
    // recursive float32 summation of `rows` terms: |error| ≤ rows · 2⁻²⁴ · Σ|terms|
    const bound = (absSum: number): number => rows * 2 ** -24 * absSum + 1e-30;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let abs = 0;
      for (let b = 0; b < rows; b++) {
        sum += dp[b * n + j] as number;
        abs += Math.abs(dp[b * n + j] as number);
      }
      expect(Math.abs((got.dBias[j] as number) - sum), `∂b[${j}]`).toBeLessThanOrEqual(bound(abs));
      for (let i = 0; i < m; i++) {
        let w = 0;
        let wAbs = 0;
        for (let b = 0; b < rows; b++) {
          const t = (h[b * m + i] as number) * (dp[b * n + j] as number);
          w += t;
          wAbs += Math.abs(t);
        }
        expect(Math.abs((got.dWeight[i * n + j] as number) - w), `∂W[${i}, ${j}]`).toBeLessThanOrEqual(bound(wAbs));
      }
    }
    tf.dispose([input, dOut, slope]);
  });

  it('gives an entry of ∂W the same bits whether it falls in a whole 4 × 8 block or outside one', () => {
    const rows = 40;
    const input = tf.tensor2d(values(rows * 8, 4), [rows, 8]);
    const dOut = tf.tensor2d(values(rows * 16, 5), [rows, 16]);
    const slope = tf.tensor2d(values(rows * 16, 6), [rows, 16]);
    const whole = gatedDensePullback(input, dOut, slope);
    // m = 5, n = 10: row 4 and columns 8–9 fall outside whole blocks here, inside them above
    const part = tf.tidy(() => ({ ...gatedDensePullback(tf.slice(input, [0, 0], [rows, 5]), tf.slice(dOut, [0, 0], [rows, 10]), tf.slice(slope, [0, 0], [rows, 10])) }));
    expect(take(part.dWeight)).toEqual(take(tf.slice(whole.dWeight, [0, 0], [5, 10])));
    expect(take(part.dBias)).toEqual(take(tf.slice(whole.dBias, [0], [10])));
    tf.dispose([input, dOut, slope, whole.dPre, whole.dWeight, whole.dBias, part.dPre, part.dWeight, part.dBias]);
  });

  it('agrees with tfjs\'s products (transpose2d and matMul) to float32 rounding, in one kernel on wasm', async () => {
    const input = tf.tensor2d(values(512 * 64, 7), [512, 64]);
    const dOut = tf.tensor2d(values(512 * 64, 8), [512, 64]);
    const slope = tf.tensor2d(values(512 * 64, 9), [512, 64]);
    const g = gatedDensePullback(input, dOut, slope);
    const ref = tf.tidy(() => tf.matMul(transpose2d(input), tf.mul(dOut, slope)));
    const err = tf.tidy(() => tf.div(tf.norm(tf.sub(g.dWeight, ref)), tf.norm(ref)).dataSync()[0] as number);
    expect(err).toBeLessThan(1e-6);
    const kernels = (await tf.profile(() => tf.dispose(Object.values(gatedDensePullback(input, dOut, slope))))).kernels.map((k) => k.name);
    if (tf.getBackend() === 'wasm') expect(kernels).toEqual([DENSE_PULLBACK_KERNEL]);
    else expect(kernels).not.toContain(DENSE_PULLBACK_KERNEL);
    tf.dispose([input, dOut, slope, g.dPre, g.dWeight, g.dBias, ref]);
  });

  it('leaves a gradient tape to tfjs\'s ops', async () => {
    const input = tf.tensor2d(values(12, 1), [4, 3]);
    const dOut = tf.tensor2d(values(8, 2), [4, 2]);
    const grad = tf.grad((s: tf.Tensor) => tf.sum(gatedDensePullback(input, dOut, s as tf.Tensor2D).dWeight));
    const slope = tf.ones([4, 2]);
    let g: tf.Tensor | null = null;
    const kernels = (await tf.profile(() => void (g = grad(slope)))).kernels.map((k) => k.name);
    expect(kernels).not.toContain(DENSE_PULLBACK_KERNEL);
    // d Σ ∂W / d slope[b, j] = dOut[b, j] · Σ_i input[b, i]
    const h = take(input);
    const dy = take(dOut);
    take(g as unknown as tf.Tensor).forEach((v, k) => {
      const b = Math.floor(k / 2);
      expect(v).toBeCloseTo((dy[k] as number) * ((h[3 * b] as number) + (h[3 * b + 1] as number) + (h[3 * b + 2] as number)), 5);
    });
    tf.dispose([input, dOut, slope]);
  });

  it('names the argument whose shape does not fit', () => {
    const a = tf.ones([4, 3]) as tf.Tensor2D;
    const b = tf.ones([5, 2]) as tf.Tensor2D;
    expect(() => gatedDensePullback(a, b, b)).toThrow(/input must be \[B, m\] and dOut, slope \[B, n\], got \[4, 3\], \[5, 2\], \[5, 2\]/);
    tf.dispose([a, b]);
  });
});
