import { describe, expect, it } from 'vitest';
import { nearShare, ringStroke } from './near_curve.js';

describe('nearShare', () => {
  it('counts the samples within the radius of some curve point', () => {
    const curve = Float32Array.of(0, 0, 1, 0);
    const samples = Float32Array.of(0.1, 0, 1, 0.29, 0.5, 0.5, 3, 3);
    expect(nearShare(samples, curve, 0.3)).toBe(0.5);
    expect(nearShare(samples, curve, 0.8)).toBe(0.75);
    expect(nearShare(new Float32Array(0), curve, 0.3)).toBe(0);
  });

  it('refuses a radius ≤ 0 and an empty curve', () => {
    expect(() => nearShare(Float32Array.of(0, 0), Float32Array.of(0, 0), 0)).toThrow(/radius must be > 0/);
    expect(() => nearShare(Float32Array.of(0, 0), new Float32Array(0), 1)).toThrow(/curve must hold/);
  });
});

describe('ringStroke', () => {
  it('is closed and every point lies on the circle', () => {
    const s = ringStroke(2.5, 60);
    expect(s).toHaveLength(61);
    expect(s[0]?.[0]).toBeCloseTo(s[60]?.[0] as number, 12);
    for (const [x, y] of s) expect(Math.hypot(x, y)).toBeCloseTo(2.5, 12);
  });
});
