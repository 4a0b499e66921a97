import { describe, expect, it } from 'vitest';
import type { ClassCoverage } from '@diffflow/metrics';
import { decodePng, pixelAt } from '@diffflow/figures';
import { coverageCell, renderCompareTable, samplesPerStepsFigure, type CompareRow, type FigureSamples } from './compare_report.js';

/** Coverage of counts over 10 classes (entropy in nats, as @diffflow/metrics' classCoverage). */
function coverage(counts: number[]): ClassCoverage {
  const n = counts.reduce((a, b) => a + b, 0);
  const entropy = -counts.filter((c) => c > 0).reduce((s, c) => s + (c / n) * Math.log(c / n), 0);
  const missing = counts.flatMap((c, k) => (c === 0 ? [k] : []));
  return { n, counts, entropy, entropyFraction: entropy / Math.log(10), allClassesPresent: missing.length === 0, missing };
}

const uniform = coverage(new Array(10).fill(10));
const twoClasses = coverage([50, 50, 0, 0, 0, 0, 0, 0, 0, 0]);

describe('renderCompareTable', () => {
  const rows: CompareRow[] = [
    { model: 'diffflow', steps: 5, fd: 12.345, coverage: uniform, samples: 100, seconds: 1 },
    { model: 'ddpm', steps: 5, fd: 345.6, coverage: twoClasses, samples: 100, seconds: 1 },
    { model: 'diffflow', steps: 10, fd: 8, coverage: uniform, samples: 100, seconds: 2 },
    { model: 'ddpm', steps: 10, fd: 40, coverage: uniform, samples: 100, seconds: 2 },
  ];
  const floor = { fd: 1.5, coverage: uniform, images: 100, heldOut: 2000 };

  it('one line per N with both models, the floor below, columns aligned', () => {
    const text = renderCompareTable([5, 10], rows, floor, 'title');
    const lines = text.split('\n');
    expect(lines[0]).toBe('title');
    expect(lines[3]).toMatch(/^\|\s+5 \|\s+12\.345 \|\s+345\.600 \|\s+1\.000 \(10\/10\) \|\s+0\.301 \(2\/10\) \|$/);
    expect(lines[4]).toMatch(/^\|\s+10 \|\s+8\.000 \|\s+40\.000 \|/);
    expect(new Set(lines.slice(1, 5).map((l) => l.length)).size).toBe(1);
    expect(text).toMatch(/floor \(100 training images vs 2000 held-out\): FD-LeNet 1\.500, coverage 1\.000 \(10\/10\)/);
    // entropy of two equal classes: log 2 / log 10
    expect(coverageCell(twoClasses)).toBe(`${(Math.log(2) / Math.log(10)).toFixed(3)} (2/10)`);
  });

  it('throws naming the missing cell', () => {
    expect(() => renderCompareTable([5, 20], rows, floor, 't')).toThrow(/rows has no diffflow at N = 20/);
  });
});

describe('samplesPerStepsFigure', () => {
  it('rows = N, DiffFlow left and DDPM right, under a title band', () => {
    const size = 8;
    const n = 3;
    // DiffFlow's images white, DDPM's black
    const samples: FigureSamples[] = [5, 10].flatMap((steps) => [
      { model: 'diffflow' as const, steps, bytes: new Uint8Array(n * size * size).fill(255), n },
      { model: 'ddpm' as const, steps, bytes: new Uint8Array(n * size * size), n },
    ]);
    const png = decodePng(samplesPerStepsFigure([5, 10], samples, size, 1, 'mnist: samples per N'));
    // each panel: 3 images of 8 px at ×4 with 2-px gaps = 100 px wide, two panels 8 px apart
    expect(png.width).toBeGreaterThanOrEqual(2 * 100 + 8);
    // two rows of titled panels under the band: taller than two image rows (2 × 32) plus the band
    expect(png.height).toBeGreaterThan(2 * 32 + 32);
    // the last row of pixels inside the last row of images: black (DDPM) only in the right half
    const bottom = png.height - 5;
    const black = Array.from({ length: png.width }, (_, x) => x).filter((x) => pixelAt(png, x, bottom).slice(0, 3).every((v) => v === 0));
    expect(black.length).toBeGreaterThanOrEqual(n * size * 4);
    expect(Math.min(...black)).toBeGreaterThan(png.width / 2);
    expect(() => samplesPerStepsFigure([5, 20], samples, size, 1, 't')).toThrow(/samples has no diffflow at N = 20/);
  });
});
