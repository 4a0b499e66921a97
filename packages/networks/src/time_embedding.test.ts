import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { sinusoidalEmbedding } from './time_embedding.js';

describe('sinusoidalEmbedding', () => {
  it('is [sin(s t ω_k), cos(s t ω_k)] with ω_k = P^(−k/(h−1)), for a shared time and per row, without leaks', () => {
    const [dim, scale, period] = [8, 1000, 10_000];
    const expected = (t: number): number[] => {
      const w = [0, 1, 2, 3].map((k) => scale * t * Math.exp((-Math.log(period) * k) / 3));
      return [...w.map(Math.sin), ...w.map(Math.cos)];
    };
    const shared = expectNoLeaks(() => take(sinusoidalEmbedding(0.0123, dim, scale)));
    shared.forEach((v, k) => expect(v).toBeCloseTo(expected(0.0123)[k]!, 5));
    const t = tf.tensor1d([0, 0.05]);
    const rows = expectNoLeaks(() => take(sinusoidalEmbedding(t, dim, scale)));
    [...expected(0), ...expected(0.05)].forEach((v, k) => expect(rows[k]).toBeCloseTo(v, 4)); // float32 phase up to 50 rad
    t.dispose();
  });

  it('rejects an odd or too small width', () => {
    expect(() => sinusoidalEmbedding(0, 7)).toThrow(/dim must be an even integer ≥ 4, got 7/);
    expect(() => sinusoidalEmbedding(0, 2)).toThrow(RangeError);
  });
});
