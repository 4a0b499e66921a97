import { describe, expect, it } from 'vitest';
import { drawnBatch, strokesToPoints } from './drawing.js';

describe('strokesToPoints', () => {
  it('resamples a segment at even spacing, end points included', () => {
    const p = strokesToPoints([[[0, 0], [1, 0]]], 0.25);
    expect(Array.from(p)).toEqual([0, 0, 0.25, 0, 0.5, 0, 0.75, 0, 1, 0]);
  });

  it('keeps a lone click as one point and concatenates strokes', () => {
    const p = strokesToPoints([[[2, 3]], [[0, 0], [0, 1]]], 0.5);
    expect(Array.from(p)).toEqual([2, 3, 0, 0, 0, 0.5, 0, 1]);
  });

  it('gives length / spacing points (+1) on a closed polyline', () => {
    const square: [number, number][] = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]];
    expect(strokesToPoints([square], 0.1).length / 2).toBe(1 + 4 * 10);
  });

  it('refuses a spacing ≤ 0 and non-finite points, naming them', () => {
    expect(() => strokesToPoints([[[0, 0]]], 0)).toThrow(/spacing/);
    expect(() => strokesToPoints([[[0, 0], [Number.NaN, 1]]], 1)).toThrow(/finite/);
  });
});

describe('drawnBatch', () => {
  const cloud = Float32Array.from([0, 0, 10, 10, -5, 5]);

  it('without jitter picks only cloud points, every one of them over a large batch', () => {
    const b = drawnBatch(cloud, 300, 0, { seed: 1, iteration: 0 });
    const rows = new Set<string>();
    for (let r = 0; r < 300; r++) rows.add(`${b[2 * r]},${b[2 * r + 1]}`);
    expect([...rows].sort()).toEqual(['-5,5', '0,0', '10,10']);
  });

  it('replays from its key and changes with the iteration', () => {
    const a = drawnBatch(cloud, 64, 0.1, { seed: 3, iteration: 7 });
    expect(drawnBatch(cloud, 64, 0.1, { seed: 3, iteration: 7 })).toEqual(a);
    expect(drawnBatch(cloud, 64, 0.1, { seed: 3, iteration: 8 })).not.toEqual(a);
  });

  it('adds jitter with the requested standard deviation (±10% at 20k rows)', () => {
    const single = Float32Array.from([1, -1]);
    const b = drawnBatch(single, 20_000, 0.3, { seed: 0, iteration: 0 });
    let s = 0;
    for (let r = 0; r < 20_000; r++) s += ((b[2 * r] as number) - 1) ** 2 + ((b[2 * r + 1] as number) + 1) ** 2;
    expect(Math.sqrt(s / 40_000)).toBeGreaterThan(0.27);
    expect(Math.sqrt(s / 40_000)).toBeLessThan(0.33);
  });

  it('refuses an empty cloud and a bad batch', () => {
    expect(() => drawnBatch(new Float32Array(0), 4, 0, { seed: 0, iteration: 0 })).toThrow(/points/);
    expect(() => drawnBatch(cloud, 0, 0, { seed: 0, iteration: 0 })).toThrow(/batch/);
  });
});
