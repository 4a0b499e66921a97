import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blankImage, parseColor, pixelAt, setPixel } from './raster.js';

describe('blankImage', () => {
  it('fills every pixel with the colour, opaque, white by default', () => {
    const img = blankImage(3, 2, [10, 20, 30]);
    expect(img.rgba.length).toBe(3 * 2 * 4);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) expect(pixelAt(img, x, y)).toEqual([10, 20, 30, 255]);
    expect(pixelAt(blankImage(1, 1), 0, 0)).toEqual([255, 255, 255, 255]);
  });

  it('refuses a size that is not an integer from 1 to 16384, naming it', () => {
    expect(() => blankImage(0, 5)).toThrow(/width must be an integer from 1 to 16384, got 0/);
    expect(() => blankImage(5, 2.5)).toThrow(/height must be an integer from 1 to 16384, got 2.5/);
    expect(() => blankImage(16385, 1)).toThrow(RangeError);
  });
});

describe('setPixel / pixelAt', () => {
  it('paints one pixel opaque at (x, y), rows top to bottom, and ignores points outside', () => {
    const img = blankImage(4, 3);
    setPixel(img, 2, 1, [1, 2, 3]);
    expect(pixelAt(img, 2, 1)).toEqual([1, 2, 3, 255]);
    expect(img.rgba.slice((1 * 4 + 2) * 4, (1 * 4 + 2) * 4 + 4)).toEqual(new Uint8Array([1, 2, 3, 255]));
    const before = img.rgba.slice();
    for (const [x, y] of [[-1, 0], [0, -1], [4, 0], [0, 3]] as const) setPixel(img, x, y, [9, 9, 9]);
    expect(img.rgba).toEqual(before);
  });
});

describe('parseColor', () => {
  it("reads '#rrggbb' (with or without #, any case) and passes triples through", () => {
    expect(parseColor('#ff8000')).toEqual([255, 128, 0]);
    expect(parseColor('0A0b0C')).toEqual([10, 11, 12]);
    const triple = [1, 2, 3] as const;
    expect(parseColor(triple)).toBe(triple);
  });

  it('refuses anything else, quoting it', () => {
    expect(() => parseColor('red')).toThrow(/colour must be '#rrggbb', got 'red'/);
    expect(() => parseColor('#fff')).toThrow(RangeError);
  });
});

describe('the package files', () => {
  it('import one way: raster.ts and plot.ts nothing of the package, text.ts raster.ts, png.ts the rest, no circle', () => {
    const dir = new URL('./', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts');
    const imports = Object.fromEntries(
      files.map((f) => [f, [...readFileSync(new URL(f, dir), 'utf8').matchAll(/from '\.\/([^']+)\.js'/g)].map((m) => `${m[1]}.ts`).sort()]),
    );
    expect(imports).toEqual({ 'raster.ts': [], 'plot.ts': [], 'text.ts': ['raster.ts'], 'png.ts': ['plot.ts', 'raster.ts', 'text.ts'] });
  });
});
