import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { fixedGrid, replayableUniforms } from '@diffflow/sde-core';
import { ouMixture } from './ou_mixture.fixture.js';
import { bitsPerDimOffset, dequantize } from './dequantization.js';
import { imageBitsPerDim, imageNegativeElboBitsPerDim } from './image_bits_per_dim.js';
import { negativeElbo } from './negative_elbo.js';

// Tiny 2×2×1 "images" (D = 4). The same pixel law in both scalings: y = (k + u)/256 ~ N(μ, Σ) on [0, 1],
// i.e. x = 2y − 1 ~ N(2μ − 1, 4Σ) on [−1, 1]. Both models are OU flows with the exact score and exact prior.
const mu = [0.45, 0.55, 0.5, 0.6];
const sigma = [
  [0.04, 0.01, 0, 0.005],
  [0.01, 0.03, 0.004, 0],
  [0, 0.004, 0.05, 0.01],
  [0.005, 0, 0.01, 0.035],
];
const zeroOne = ouMixture({ rate: 1, g: 1, components: [{ weight: 1, mean: mu, cov: sigma }] });
const minusOneOne = ouMixture({ rate: 1, g: 1, components: [{ weight: 1, mean: mu.map((m) => 2 * m - 1), cov: sigma.map((r) => r.map((v) => 4 * v)) }] });
const T = 0.5;
const grid = fixedGrid({ steps: 10, tMin: 0, tMax: T, beta: 0.7 });
const shape = [2, 2, 1];
const D = 4;

/** Six 8-bit images drawn from the pixel law (rounded down), as raw bytes. */
function images(): Uint8Array {
  const xs = take(zeroOne.sample(6, 0, 8, 'images'));
  return Uint8Array.from(xs, (v) => Math.min(255, Math.max(0, Math.floor(v * 256))));
}

describe('dequantize and bitsPerDimOffset', () => {
  it('puts pixel k in [k/256, (k+1)/256) (zeroOne) or its image under y ↦ 2y − 1 (minusOneOne), with offsets 8 and 7', () => {
    expect(bitsPerDimOffset('zeroOne')).toBe(8);
    expect(bitsPerDimOffset('minusOneOne')).toBe(7);
    const pixels = Uint8Array.from([0, 17, 128, 255, 3, 200, 99, 254]);
    const a = expectNoLeaks(() => take(dequantize(pixels, [2, 2, 2, 1], { scaling: 'zeroOne', seed: 1 })));
    const b = expectNoLeaks(() => take(dequantize(pixels, [2, 2, 2, 1], { scaling: 'minusOneOne', seed: 1 })));
    pixels.forEach((k, i) => {
      expect(a[i]!).toBeGreaterThanOrEqual(k / 256);
      expect(a[i]!).toBeLessThanOrEqual((k + 1) / 256);
      expect(Math.abs(b[i]! - (2 * a[i]! - 1))).toBeLessThan(1e-6);
    });
    // repeat 1 redraws u
    const c = expectNoLeaks(() => take(dequantize(pixels, [2, 2, 2, 1], { scaling: 'zeroOne', seed: 1, repeat: 1 })));
    expect(c).not.toEqual(a);
  });
});

describe('imageBitsPerDim', () => {
  it('equals the hand calculation E_u[−log₂ p_y((k + u)/256)]/D + 8 in both scalings (within 5e-3 bits/dim)', () => {
    const pixels = images();
    const n = pixels.length / D;
    const repeats = 2;
    const seed = 21;
    // hand calculation, float64, from the pixel law in y-space and the documented key of u
    const hand = new Float64Array(n);
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < n; i++) {
        const u = replayableUniforms(D, { seed, purpose: 'dequantize', iteration: i, step: r });
        const y = Array.from({ length: D }, (_, j) => (pixels[i * D + j]! + u[j]!) / 256);
        // −log₂ P(k) ≤ −log₂ p_y(y) + D log₂ 256, per dim
        hand[i]! += (-zeroOne.logDensity(y, 0) / Math.LN2 + D * 8) / D / repeats;
      }
    }
    const handMean = hand.reduce((a, b) => a + b, 0) / n;
    for (const [scaling, m] of [
      ['zeroOne', zeroOne],
      ['minusOneOne', minusOneOne],
    ] as const) {
      const res = expectNoLeaks(() =>
        imageBitsPerDim(m.model, { pixels, shape }, { scaling, seed, repeats, grid, priorLogDensity: m.priorLogDensity(T) }),
      );
      expect(res.offset).toBe(scaling === 'zeroOne' ? 8 : 7);
      expect(res.dim).toBe(D);
      // measured (RK4, N = 10): 3e-4 (zeroOne) and 5e-6 (minusOneOne) bits/dim; 5e-3 is far below the 1-bit offset pinned here
      res.perImage.forEach((v, i) => expect(Math.abs(v - hand[i]!), `${scaling} image ${i}`).toBeLessThan(5e-3));
      expect(Math.abs(res.bitsPerDim - handMean)).toBeLessThan(5e-3);
    }
  });

  it('accepts a tensor of raw pixel values and rejects scaled or out-of-range pixels with a RangeError', () => {
    const good = tf.tensor4d(Array.from(images().subarray(0, 8)), [2, 2, 2, 1], 'int32');
    const scaled = tf.tensor4d([0.5, 0.1, 0.2, 0.3], [1, 2, 2, 1]);
    const big = tf.tensor4d([0, 256, 3, 4], [1, 2, 2, 1], 'int32');
    const options = { scaling: 'zeroOne', seed: 1, grid: [0, T], priorLogDensity: zeroOne.priorLogDensity(T) } as const;
    expectNoLeaks(() => {
      expect(imageBitsPerDim(zeroOne.model, good, options).perImage).toHaveLength(2);
      expect(() => imageBitsPerDim(zeroOne.model, scaled, options)).toThrow(/images must hold 8-bit integers 0…255 \(raw pixel values, not scaled\), got 0.5/);
      expect(() => imageBitsPerDim(zeroOne.model, big, options)).toThrow(/got 256 at flat index 1/);
      expect(() => imageBitsPerDim(zeroOne.model, good, { ...options, scaling: 'zeroTwo' as 'zeroOne' })).toThrow(/scaling must be 'zeroOne' or 'minusOneOne'/);
      expect(() => imageBitsPerDim(zeroOne.model, good, { ...options, repeats: 0 })).toThrow(/repeats must be an integer ≥ 1/);
      expect(() => imageBitsPerDim(zeroOne.model, { pixels: new Uint8Array(6), shape }, options)).toThrow(/whole images of 4 values/);
      expect(() => imageBitsPerDim(zeroOne.model, { pixels: new Uint8Array(9), shape: [3, 3] }, options)).toThrow(/x has per-sample shape \[3, 3\]/);
    });
    tf.dispose([good, scaled, big]);
  });
});

describe('imageNegativeElboBitsPerDim', () => {
  it('is the negative ELBO of the dequantised images in bits/dim plus the same offset', () => {
    const pixels = images();
    const seed = 3;
    const eGrid = fixedGrid({ steps: 8, tMin: 0, tMax: T, beta: 1 });
    const res = expectNoLeaks(() => imageNegativeElboBitsPerDim(minusOneOne.model, { pixels, shape }, { scaling: 'minusOneOne', seed, grid: eGrid }));
    const x = dequantize(pixels, [pixels.length / D, ...shape], { scaling: 'minusOneOne', seed });
    const direct = negativeElbo(minusOneOne.model, x, eGrid, { seed });
    x.dispose();
    expect(res.offset).toBe(7);
    expect(Math.abs(res.bitsPerDim - (direct.nats / (D * Math.LN2) + 7))).toBeLessThan(1e-9);
  });
});
