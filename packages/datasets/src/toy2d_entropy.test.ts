import { describe, expect, it } from 'vitest';
import { replayableUniforms } from '@diffflow/sde-core';
import { sampleToy, supportMask } from './toy2d.js';
import { toyEntropy } from './toy2d_entropy.js';

/** Monte Carlo area of a dataset's support inside a box, from uniform points: (area, standard error). */
function supportArea(name: 'checkerboard' | 'sierpinski', half: number, n: number): { area: number; se: number } {
  const u = replayableUniforms(2 * n, { seed: 1, purpose: 'entropy-test', iteration: 0, step: 0 });
  const pts = Float64Array.from(u, (v) => (2 * v - 1) * half);
  const mask = supportMask(name, pts);
  const p = mask.reduce((a, b) => a + b, 0) / n;
  const box = (2 * half) ** 2;
  return { area: p * box, se: Math.sqrt((p * (1 - p)) / n) * box };
}

describe('toyEntropy', () => {
  it('uniform sets: log of the support area, which a Monte Carlo estimate confirms', () => {
    const cb = supportArea('checkerboard', 4, 200_000);
    expect(Math.abs(Math.exp(toyEntropy('checkerboard')!) - cb.area)).toBeLessThan(4 * cb.se);
    const carpet = supportArea('sierpinski', 1, 200_000);
    expect(Math.abs(Math.exp(toyEntropy('sierpinski')!) - carpet.area)).toBeLessThan(4 * carpet.se);
    expect(toyEntropy('checkerboard')).toBeCloseTo(Math.log(32), 12);
  });

  it('rings: −E log p of the sampler under the exact mixture density', () => {
    // p(x) = (1/k) Σ_j N(|x − c_j|; 1, σ²) / (2π |x − c_j|), centres of datasets' toy2d
    const centres = [
      [-1.75, 0.75],
      [0, 0.75],
      [1.75, 0.75],
      [-1.05, -0.75],
      [1.05, -0.75],
    ] as const;
    const s = 0.001;
    for (const [name, cs] of [
      ['olympic', centres],
      ['fourrings', centres.slice(1)],
    ] as const) {
      const n = 20_000;
      const x = sampleToy(name, n, { seed: 3, iteration: 0 });
      const v: number[] = [];
      for (let i = 0; i < n; i++) {
        let p = 0;
        for (const [cx, cy] of cs) {
          const r = Math.hypot(x[2 * i]! - cx, x[2 * i + 1]! - cy);
          p += Math.exp(-((r - 1) ** 2) / (2 * s * s)) / (Math.sqrt(2 * Math.PI) * s) / (2 * Math.PI * r);
        }
        v.push(-Math.log(p / cs.length));
      }
      const mean = v.reduce((a, b) => a + b, 0) / n;
      const se = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n);
      // the samples are float32: rounding (≈ 1e-7 of the radius) is negligible against σ = 1e-3
      expect(Math.abs(mean - toyEntropy(name)!), `${name}: ${mean} ± ${se} vs ${toyEntropy(name)}`).toBeLessThan(4 * se + 2e-3);
    }
    expect(toyEntropy('olympic')).toBeCloseTo(-2.0415, 3);
  });

  it('is null where there is no closed form', () => {
    expect(toyEntropy('2spirals')).toBeNull();
    expect(toyEntropy('pinwheel')).toBeNull();
  });
});
