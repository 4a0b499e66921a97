import { describe, expect, it } from 'vitest';
import { decodePng, pixelAt, type RgbaImage } from '@diffflow/figures';
import { sharpnessFigure, stepsFigure, stepsSamplesFigure, topologyFigure } from './figures.js';

/** Columns of the top `rows` rows that hold any non-white pixel, as runs of consecutive columns. */
function inkedRuns(img: RgbaImage, rows: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let x = 0; x < img.width; x++) {
    let ink = false;
    for (let y = 0; y < rows && !ink; y++) ink = pixelAt(img, x, y).slice(0, 3).some((v) => v !== 255);
    const last = runs.at(-1);
    if (ink && last !== undefined && last[1] >= x - 12) last[1] = x;
    else if (ink) runs.push([x, x]);
  }
  return runs;
}

const points = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i));

describe('compare figures', () => {
  it('title each scatter panel: one inked title per panel in the top band', () => {
    const img = decodePng(sharpnessFigure(['data', 'DiffFlow, N = 8', 'DDPM, N = 8 of 1000', 'DDPM, N = 1000'].map((title) => ({ title, points })), [-1, 1, -1, 1], 160));
    const runs = inkedRuns(img, 16);
    expect(runs.length).toBe(4);
    const topology = decodePng(
      topologyFigure(
        [
          { model: 'diffflow', times: [0, 0.5, 1], states: [points, points, points] },
          { model: 'ddpm', times: [0, 0.5, 1], states: [points, points, points] },
        ],
        new Int32Array(100),
        120,
      ),
    );
    expect(inkedRuns(topology, 16).length).toBe(3);
    expect(inkedRuns(decodePng(stepsSamplesFigure([2, 8], [points, points], [points, points], [-1, 1, -1, 1], 120)), 16).length).toBe(2);
  });

  it('titles each metric plot', () => {
    const img = decodePng(stepsFigure([2, 8, 32], [0, 1].map((k) => ({ name: `metric ${k}`, diffflow: [3, 2, 1], ddpm: [4, 3, 2], floor: 0.5 }))));
    expect(inkedRuns(img, 16).length).toBe(2);
  });
});
