import { describe, expect, it } from 'vitest';
import { blankImage, pixelAt } from './raster.js';
import { drawText, TEXT_HEIGHT, textWidth } from './text.js';

const inkRows = (img: ReturnType<typeof blankImage>) => {
  const rows = new Set<number>();
  const cols = new Set<number>();
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (pixelAt(img, x, y)[0] === 0) (rows.add(y), cols.add(x));
  return { rows: [...rows].sort((a, b) => a - b), cols: [...cols].sort((a, b) => a - b) };
};

describe('drawText', () => {
  it('draws digits TEXT_HEIGHT tall from y, textWidth wide from x', () => {
    const img = blankImage(60, 20);
    drawText(img, '10', 5, 3, [0, 0, 0]);
    const { rows, cols } = inkRows(img);
    expect(rows[0]).toBe(3);
    expect(rows.at(-1)).toBe(3 + TEXT_HEIGHT - 1);
    expect(cols[0]).toBe(5);
    expect((cols.at(-1) as number) - 5 + 1).toBeLessThanOrEqual(textWidth('10'));
    expect(textWidth('10')).toBeGreaterThan(textWidth('1'));
  });

  it('centres, right-aligns, scales and turns text upright', () => {
    const w = textWidth('abc');
    const centred = blankImage(60, 20);
    drawText(centred, 'abc', 30, 0, [0, 0, 0], { align: 'center' });
    expect(inkRows(centred).cols[0]).toBeGreaterThanOrEqual(30 - Math.ceil(w / 2));
    const right = blankImage(60, 20);
    drawText(right, 'abc', 50, 0, [0, 0, 0], { align: 'right' });
    expect(inkRows(right).cols.at(-1)).toBeLessThan(50);
    const big = blankImage(80, 30);
    drawText(big, 'A', 0, 0, [0, 0, 0], { scale: 2 });
    expect(inkRows(big).rows.at(-1)).toBe(2 * TEXT_HEIGHT - 1);
    const up = blankImage(20, 60);
    drawText(up, 'AB', 2, 50, [0, 0, 0], { vertical: true });
    const v = inkRows(up);
    expect(v.cols[0]).toBe(2);
    expect(v.cols.at(-1)).toBe(2 + TEXT_HEIGHT - 1);
    expect(v.rows.at(-1)).toBe(50);
    // reading upwards from y = 50: the whole width of the text above it
    expect(v.rows[0]).toBeGreaterThanOrEqual(50 - textWidth('AB') + 1);
    expect(v.rows[0]).toBeLessThanOrEqual(50 - textWidth('AB') + 2);
  });

  it('draws characters the font lacks as "?", clips at the border and refuses a bad scale', () => {
    expect(textWidth('λ')).toBe(textWidth('?'));
    const img = blankImage(10, 5);
    expect(() => drawText(img, 'WWWWW', -3, -2, [0, 0, 0])).not.toThrow();
    expect(() => drawText(img, 'a', 0, 0, [0, 0, 0], { scale: 0 })).toThrow(/scale/);
    expect(textWidth('')).toBe(0);
  });
});
