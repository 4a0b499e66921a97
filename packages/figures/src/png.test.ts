import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { blankImage, pixelAt, type RgbaImage } from './raster.js';
import {
  categoricalPalette,
  colormap,
  decodePng,
  heatmapPng,
  imageGridPng,
  linePlotPng,
  panelsPng,
  scatterImage,
  scatterPng,
} from './png.js';

/** Decodes with pngjs itself (not through the module under test). */
function read(bytes: Buffer): RgbaImage {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
}

const rgb = (img: RgbaImage, x: number, y: number) => pixelAt(img, x, y).slice(0, 3);
const isWhite = (p: number[]) => p.every((v) => v === 255);
const darkness = (p: number[]) => 765 - p.reduce((a, b) => a + b, 0);

describe('scatterPng', () => {
  it('draws points where they are, y up, on white, darker where denser', () => {
    // 200 points at (−0.5, 0.5) (top-left quadrant), 1 point at (0.5, −0.5) (bottom-right).
    const pts = new Float32Array(2 * 201);
    for (let i = 0; i < 200; i++) pts.set([-0.5, 0.5], 2 * i);
    pts.set([0.5, -0.5], 400);
    const img = read(scatterPng(pts, { size: 100, bounds: [-1, 1, -1, 1], radius: 0 }));
    expect([img.width, img.height]).toEqual([100, 100]);
    const dense = rgb(img, 25, 25);
    const sparse = rgb(img, 75, 75);
    expect(isWhite(dense)).toBe(false);
    expect(isWhite(sparse)).toBe(false);
    expect(darkness(dense)).toBeGreaterThan(darkness(sparse));
    expect(isWhite(rgb(img, 75, 25))).toBe(true);
    expect(isWhite(rgb(img, 25, 75))).toBe(true);
    // the frame and the axis lines are light grey, not white
    expect(isWhite(rgb(img, 0, 10))).toBe(false);
    expect(isWhite(rgb(img, 50, 10))).toBe(false);
    expect(isWhite(rgb(scatterImage(pts, { size: 100, bounds: [-1, 1, -1, 1], axes: false }), 50, 10))).toBe(true);
  });

  it('colours labelled points with the categorical palette and skips non-finite points', () => {
    const pts = Float32Array.from([-0.5, 0, 0.5, 0, Number.NaN, 0, 0, Infinity]);
    const labels = Int32Array.from([0, 1, 2, 3]);
    const img = read(scatterPng(pts, { size: 40, bounds: [-1, 1, -1, 1], labels, radius: 0 }));
    const left = rgb(img, 10, 20);
    const right = rgb(img, 30, 20);
    // the hue of each label: its dominant channel matches the palette colour's
    const argmax = (c: readonly number[]) => c.indexOf(Math.max(...c));
    expect(argmax(left)).toBe(argmax(categoricalPalette[0] as unknown as number[]));
    expect(argmax(right)).toBe(argmax(categoricalPalette[1] as unknown as number[]));
    expect(left).not.toEqual(right);
  });

  it('derives bounds from the data and checks its arguments', () => {
    expect(read(scatterPng(Float32Array.from([1, 1, 2, 2]))).width).toBe(256);
    expect(() => scatterPng(new Float32Array(3))).toThrow(RangeError);
    expect(() => scatterPng(new Float32Array(4), { labels: new Int32Array(3) })).toThrow(RangeError);
    expect(() => scatterPng(new Float32Array(4), { bounds: [1, 0, 0, 1] })).toThrow(RangeError);
  });
});

describe('heatmapPng', () => {
  it('puts row 0 at the top, maps low → dark and high → bright, and shows NaN/−Inf as the background', () => {
    // 3 × 2: row 0 = [0, 1, NaN], row 1 = [−Inf, 0.5, +Inf]
    const values = Float32Array.from([0, 1, Number.NaN, -Infinity, 0.5, Infinity]);
    const img = read(heatmapPng(values, 3, 2, { colormap: 'viridis', scale: 4 }));
    expect([img.width, img.height]).toEqual([12, 8]);
    expect(rgb(img, 1, 1)).toEqual([...colormap('viridis', 0)]);
    expect(rgb(img, 5, 1)).toEqual([...colormap('viridis', 1)]);
    expect(rgb(img, 9, 1)).toEqual([255, 255, 255]);
    expect(rgb(img, 1, 5)).toEqual([255, 255, 255]);
    expect(rgb(img, 5, 5)).toEqual([...colormap('viridis', 0.5)]);
    expect(rgb(img, 9, 5)).toEqual([...colormap('viridis', 1)]);
    expect(darkness(rgb(img, 1, 1))).toBeGreaterThan(darkness(rgb(img, 5, 1)));
  });

  it('has the endpoints of viridis and magma, and takes a range and a background', () => {
    expect(colormap('viridis', 0)).toEqual([0x44, 0x01, 0x54]);
    expect(colormap('viridis', 1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(colormap('magma', 0)).toEqual([0, 0, 4]);
    const img = read(heatmapPng(Float32Array.from([5, Number.NaN]), 2, 1, { colormap: 'magma', range: [0, 10], background: '#ff0000' }));
    expect(rgb(img, 0, 0)).toEqual([...colormap('magma', 0.5)]);
    expect(rgb(img, 1, 0)).toEqual([255, 0, 0]);
    expect(() => heatmapPng(new Float32Array(5), 2, 2)).toThrow(RangeError);
  });
});

describe('panelsPng', () => {
  it('places PNG buffers and raw images side by side, centred, with gaps', () => {
    const red = blankImage(10, 10, [255, 0, 0]);
    const blue = read(Buffer.from(PNG.sync.write(Object.assign(new PNG({ width: 6, height: 4 }), { data: Buffer.from(blankImage(6, 4, [0, 0, 255]).rgba) }))));
    const bluePng = PNG.sync.write(Object.assign(new PNG({ width: 6, height: 4 }), { data: Buffer.from(blue.rgba) }));
    const img = read(panelsPng([red, bluePng, red], { gap: 2 }));
    expect([img.width, img.height]).toEqual([10 + 2 + 6 + 2 + 10, 10]);
    expect(rgb(img, 0, 0)).toEqual([255, 0, 0]);
    expect(rgb(img, 10, 5)).toEqual([255, 255, 255]); // gap
    expect(rgb(img, 12, 0)).toEqual([255, 255, 255]); // above the centred blue panel
    expect(rgb(img, 12, 3)).toEqual([0, 0, 255]);
    expect(rgb(img, 29, 9)).toEqual([255, 0, 0]);
  });

  it('wraps into rows with `columns`', () => {
    const tile = blankImage(4, 4, [0, 0, 0]);
    const img = read(panelsPng([tile, tile, tile], { columns: 2, gap: 1 }));
    expect([img.width, img.height]).toEqual([9, 9]);
    expect(rgb(img, 6, 6)).toEqual([255, 255, 255]); // the empty fourth cell
    expect(rgb(img, 0, 6)).toEqual([0, 0, 0]);
    expect(() => panelsPng([])).toThrow(RangeError);
  });
});

describe('imageGridPng', () => {
  it('lays out grey and RGB images in a grid, from bytes or [0, 1] floats', () => {
    const grey = Uint8Array.from([0, 50, 100, 150, /* image 2 */ 200, 250, 255, 10]); // [2, 2, 2, 1]
    const img = read(imageGridPng(grey, 2, 2, 2, 1, { columns: 2, gap: 1, scale: 2 }));
    expect([img.width, img.height]).toEqual([2 * 4 + 1, 4]);
    expect(rgb(img, 0, 0)).toEqual([0, 0, 0]);
    expect(rgb(img, 3, 3)).toEqual([150, 150, 150]);
    expect(rgb(img, 4, 0)).toEqual([128, 128, 128]); // gap
    expect(rgb(img, 5, 0)).toEqual([200, 200, 200]);

    const colour = Float32Array.from([1, 0, 0, 0, 0.5, 2, Number.NaN, 0, 0.25]); // [3, 1, 1, 3]
    const img2 = read(imageGridPng(colour, 3, 1, 1, 3, { columns: 3, gap: 0 }));
    expect(rgb(img2, 0, 0)).toEqual([255, 0, 0]);
    expect(rgb(img2, 1, 0)).toEqual([0, 128, 255]);
    expect(rgb(img2, 2, 0)).toEqual([0, 0, 64]);
    expect(() => imageGridPng(new Uint8Array(8), 2, 2, 2, 2)).toThrow(RangeError);
  });
});

describe('linePlotPng', () => {
  it('draws series in their colours over axes and ticks, breaking lines at gaps', () => {
    const img = read(
      linePlotPng(
        [
          { x: [0, 1, 2, 3, 4], y: [0, 1, 2, 3, 4], color: '#ff0000' },
          { x: [0, 4], y: [4, 4], color: [0, 0, 255] },
          { x: [0, 1, 2, 3, 4], y: [2, 2, Number.NaN, 2, 2], color: [0, 160, 0] },
        ],
        { width: 200, height: 150, xRange: [0, 4], yRange: [0, 4] },
      ),
    );
    expect([img.width, img.height]).toEqual([200, 150]);
    const counts = new Map<string, number>();
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) {
        const key = rgb(img, x, y).join(',');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    expect(counts.get('255,0,0') ?? 0).toBeGreaterThan(200);
    expect(counts.get('0,0,255') ?? 0).toBeGreaterThan(100);
    expect(counts.get('70,70,70') ?? 0).toBeGreaterThan(200); // axes and tick marks
    // the diagonal passes through the middle of the plot area
    const mid: [number, number] = [Math.round((22 + 183) / 2), Math.round((16 + 127) / 2)];
    let red = false;
    for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) red ||= rgb(img, mid[0] + dx, mid[1] + dy).join(',') === '255,0,0';
    expect(red).toBe(true);
    // the green line (y = 2, the vertical middle) runs over x ∈ [0, 1] and [3, 4], with a hole between
    const greenAt = (x: number) => [-2, -1, 0, 1, 2].some((dy) => rgb(img, x, mid[1] + dy).join(',') === '0,160,0');
    const px = (x: number) => Math.round(22 + (x / 4) * (183 - 22));
    expect(greenAt(px(0.5))).toBe(true);
    expect(greenAt(px(3.5))).toBe(true);
    expect(greenAt(px(1.5))).toBe(false);
    expect(greenAt(px(2))).toBe(false);
    expect(greenAt(px(2.5))).toBe(false);
  });

  it('handles log axes, points outside a given range, empty series and checks lengths', () => {
    expect(() => linePlotPng([{ x: [1, 10, 100], y: [1, 0.1, 0.01] }], { logY: true, logX: true })).not.toThrow();
    const far = read(linePlotPng([{ x: [0, 1e12], y: [0, 1e12], color: '#ff0000' }], { xRange: [0, 1], yRange: [0, 1], width: 100, height: 80 }));
    expect(far.width).toBe(100);
    expect(read(linePlotPng([])).width).toBe(480);
    expect(() => linePlotPng([{ x: [1, 2], y: [1] }])).toThrow(RangeError);
  });
});

describe('encodePng / decodePng', () => {
  it('round-trips an image', () => {
    const img = blankImage(3, 2, [1, 2, 3]);
    img.rgba[7] = 100;
    const back = decodePng(PNG.sync.write(Object.assign(new PNG({ width: 3, height: 2 }), { data: Buffer.from(img.rgba) })));
    expect([...back.rgba]).toEqual([...img.rgba]);
  });
});

describe('labelled axes (AxesText)', () => {
  /** Non-white pixels in the rectangle [x0, x1) × [y0, y1). */
  const inked = (img: RgbaImage, x0: number, x1: number, y0: number, y1: number): number => {
    let n = 0;
    for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++) for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++) if (!isWhite(rgb(img, x, y))) n++;
    return n;
  };
  /** The plot frame: the outermost rows and columns that are dark along more than 80 pixels. */
  const frameOf = (img: RgbaImage): { left: number; top: number; right: number; bottom: number } => {
    const dark = (x: number, y: number) => darkness(rgb(img, x, y)) > 400;
    const count = (n: number, f: (i: number) => boolean) => [...Array(n).keys()].filter(f).length;
    const cols = [...Array(img.width).keys()].filter((x) => count(img.height, (y) => dark(x, y)) > 80);
    const rows = [...Array(img.height).keys()].filter((y) => count(img.width, (x) => dark(x, y)) > 80);
    return { left: cols[0] ?? -1, right: cols.at(-1) ?? -1, top: rows[0] ?? -1, bottom: rows.at(-1) ?? -1 };
  };

  it('leaves figures without text as they were', () => {
    const pts = Float32Array.from([0, 0, 1, 1]);
    expect(scatterImage(pts, { size: 100 }).width).toBe(100);
    expect(read(heatmapPng(new Float32Array(4), 2, 2)).width).toBe(2);
  });

  it('puts a scatter on a frame with a title above, a tick and label under each x tick and left of each y tick', () => {
    const img = scatterImage(Float32Array.from([0, 0]), { size: 200, bounds: [-4, 4, -4, 4], title: 'samples', xLabel: 'x1', yLabel: 'x2' });
    expect(img.width).toBeGreaterThan(200);
    expect(img.height).toBeGreaterThan(200);
    const f = frameOf(img);
    expect(f.right - f.left).toBe(199);
    expect(f.bottom - f.top).toBe(199);
    // the title band above the frame has ink, centred on the plot
    expect(inked(img, f.left, f.right, 0, f.top - 1)).toBeGreaterThan(30);
    expect(inked(img, 0, f.left - 20, 0, f.top - 1)).toBe(0);
    // ticks at −4, −2, 0, 2, 4: a tick mark below the frame and a label below it, at each
    for (const v of [-4, -2, 0, 2, 4]) {
      const px = Math.round(f.left + ((v + 4) / 8) * (f.right - f.left));
      expect(darkness(rgb(img, px, f.bottom + 2))).toBeGreaterThan(300);
      expect(inked(img, px - 6, px + 7, f.bottom + 6, f.bottom + 16)).toBeGreaterThan(4);
      const py = Math.round(f.bottom - ((v + 4) / 8) * (f.bottom - f.top));
      expect(darkness(rgb(img, f.left - 2, py))).toBeGreaterThan(300);
      expect(inked(img, f.left - 20, f.left - 6, py - 4, py + 5)).toBeGreaterThan(4);
    }
    // between x ticks, under the tick labels' row, nothing but the x label in the middle
    const q = Math.round(f.left + 0.125 * (f.right - f.left));
    expect(inked(img, q - 2, q + 3, f.bottom + 1, f.bottom + 16)).toBe(0);
    expect(inked(img, f.left + 80, f.right - 80, f.bottom + 16, img.height)).toBeGreaterThan(5);
    // the y label left of the tick labels, beside the middle of the frame
    expect(inked(img, 0, 12, Math.round((f.top + f.bottom) / 2) - 8, Math.round((f.top + f.bottom) / 2) + 8)).toBeGreaterThan(5);
  });

  it('labels a heatmap over its bounds and a line plot, with a log axis', () => {
    const heat = read(heatmapPng(Float32Array.from([0, 1, 2, 3]), 2, 2, { scale: 60, bounds: [0, 1, 0, 1], title: 'log density' }));
    const f = frameOf(heat);
    expect(f.right - f.left).toBe(119);
    expect(inked(heat, f.left, f.right, 0, f.top - 1)).toBeGreaterThan(30);
    expect(inked(heat, f.left - 8, f.left + 8, f.bottom + 6, f.bottom + 16)).toBeGreaterThan(4); // "0" under x = 0
    const plot = read(linePlotPng([{ x: [1, 10, 100], y: [3, 2, 1] }], { width: 300, height: 200, logX: true, title: 'loss', xLabel: 'N', yLabel: 'W2' }));
    expect(plot.width).toBe(300);
    const g = frameOf(plot);
    expect(inked(plot, g.left, g.right, 0, g.top - 1)).toBeGreaterThan(20);
    for (const frac of [0, 0.5, 1]) {
      // 1, 10, 100 sit at 0, ½ and 1 of the (padded) log range 
      const span = 2 * 1.08;
      const px = Math.round(g.left + ((0.08 + 2 * frac) / span) * (g.right - g.left));
      expect(inked(plot, px - 8, px + 9, g.bottom + 6, g.bottom + 16)).toBeGreaterThan(4);
    }
    expect(() => linePlotPng([], { width: 40, height: 40, title: 'too small' })).toThrow(RangeError);
  });

  it('puts a title above an image grid', () => {
    const bare = read(imageGridPng(new Uint8Array(4 * 8 * 8), 4, 8, 8, 1));
    const titled = read(imageGridPng(new Uint8Array(4 * 8 * 8), 4, 8, 8, 1, { title: 'samples' }));
    expect(titled.height).toBeGreaterThan(bare.height);
    const band = titled.height - bare.height;
    expect(inked(titled, 0, titled.width, 0, band)).toBeGreaterThan(30);
    expect(rgb(titled, Math.floor((titled.width - bare.width) / 2), band)).toEqual([0, 0, 0]);
  });
});
