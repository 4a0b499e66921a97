/**
 * PNG figures: density scatters, heatmaps, panel strips, image grids and line plots, drawn into
 * RGBA buffers (raster.ts) and encoded with pngjs. Given a title or an axis label, a scatter, heatmap or line
 * plot gets axes with ticks, tick labels, axis labels and the title (`AxesText`, text from
 * text.ts); an image grid gets its title above. Every `xxxPng` function has an `xxxImage` twin
 * returning the raw `RgbaImage` (for composing with `panelsPng` without re-decoding).
 */
import { PNG } from 'pngjs';
import { dataBounds, logTickLabel, logTicks, niceStep, niceTicks, tickLabel, type Bounds } from './plot.js';
import { blankImage, checkSize, parseColor, setPixel, type Rgb, type RgbaImage } from './raster.js';
import { drawText, TEXT_HEIGHT, textWidth } from './text.js';

const WHITE: Rgb = [255, 255, 255];
const FRAME: Rgb = [170, 170, 170];
const ZERO_AXIS: Rgb = [225, 225, 225];
const GRID: Rgb = [236, 236, 236];
const AXIS: Rgb = [70, 70, 70];
const INK: Rgb = [24, 48, 120];

/** Ten distinguishable colours for labels and series (the common "category10" set). */
export const categoricalPalette: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

// ---------------------------------------------------------------------------------------------
// PNG bytes

/** The PNG file bytes of an image. */
export function encodePng(image: RgbaImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  return PNG.sync.write(png);
}

/** Decodes PNG file bytes (any colour type pngjs reads) to RGBA8. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

function hline(image: RgbaImage, x0: number, x1: number, y: number, c: Rgb): void {
  for (let x = x0; x <= x1; x++) setPixel(image, x, y, c);
}

function vline(image: RgbaImage, x: number, y0: number, y1: number, c: Rgb): void {
  for (let y = y0; y <= y1; y++) setPixel(image, x, y, c);
}

// ---------------------------------------------------------------------------------------------
// colour maps

/** Colours of the perceptually uniform maps at 9 evenly spaced stops, interpolated linearly. */
const COLORMAPS = {
  viridis: ['440154', '472d7b', '3b528b', '2c728e', '21918c', '28ae80', '5ec962', 'addc30', 'fde725'],
  magma: ['000004', '1c1044', '4f127b', '812581', 'b5367a', 'e55064', 'fb8761', 'fec287', 'fcfdbf'],
} as const;

/** The name of a colormap for heat maps. */
export type ColormapName = keyof typeof COLORMAPS;
/** Every {@link ColormapName}. */
export const colormapNames = Object.keys(COLORMAPS) as ColormapName[];

const STOPS: Record<ColormapName, Rgb[]> = {
  viridis: COLORMAPS.viridis.map((h) => parseColor(h)),
  magma: COLORMAPS.magma.map((h) => parseColor(h)),
};

/** The colour of `t` ∈ [0, 1] (clamped) in a colour map. */
export function colormap(name: ColormapName, t: number): Rgb {
  const stops = STOPS[name];
  if (stops === undefined) throw new RangeError(`colormap must be one of ${colormapNames.join(', ')}, got '${String(name)}'`);
  const u = Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i] as Rgb;
  const b = stops[i + 1] as Rgb;
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

// ---------------------------------------------------------------------------------------------
// axes: frame, ticks, tick labels, axis labels and title

/** The text around a plot. With any of it set, a scatter, heatmap or line plot is drawn on labelled axes. */
export interface AxesText {
  /** Above the plot, at twice the text size. */
  title?: string;
  /** Below the x tick labels. */
  xLabel?: string;
  /** Left of the y tick labels, reading upwards. */
  yLabel?: string;
}

const TEXT: Rgb = [40, 40, 40];
/** Tick length in pixels. */
const TICK = 4;
/** Magnification of titles. */
const TITLE_SCALE = 2;
/** Height of a title band: the title, its descenders and a gap below. */
const TITLE_BAND = TITLE_SCALE * (TEXT_HEIGHT + 2) + 8;

function hasText(t: AxesText): boolean {
  return t.title !== undefined || t.xLabel !== undefined || t.yLabel !== undefined;
}

/** One axis: its data range, linear or log10 (the range then in log10 units). */
interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
}

interface Tick {
  readonly at: number;
  readonly label: string;
}

function axisTicks(a: Axis): Tick[] {
  if (a.log) return logTicks(a.lo, a.hi).map((v) => ({ at: v, label: logTickLabel(v) }));
  const step = niceStep(a.hi - a.lo, 5);
  return niceTicks(a.lo, a.hi, 5).map((v) => ({ at: v, label: tickLabel(v, step) }));
}

interface Margins {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** The room around a plot that its ticks, labels and title need. */
function axesMargins(x: Axis, y: Axis, text: AxesText): Margins {
  const yLabelsWidth = axisTicks(y).reduce((w, t) => Math.max(w, textWidth(t.label)), 0);
  const lastX = axisTicks(x).at(-1);
  return {
    left: 4 + (text.yLabel !== undefined ? TEXT_HEIGHT + 6 : 0) + yLabelsWidth + 3 + TICK,
    right: Math.max(8, lastX === undefined ? 0 : Math.ceil(textWidth(lastX.label) / 2) + 3),
    top: text.title !== undefined ? TITLE_BAND : 8,
    bottom: TICK + 3 + TEXT_HEIGHT + 2 + (text.xLabel !== undefined ? 4 + TEXT_HEIGHT + 2 : 0) + 4,
  };
}

/** Pixel rectangle, inclusive. */
interface Rect {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/** Draws the frame of `rect`, ticks and tick labels outside it, the axis labels and the title (centred on `rect`). */
function drawAxes(image: RgbaImage, rect: Rect, x: Axis, y: Axis, text: AxesText): void {
  hline(image, rect.x0, rect.x1, rect.y0, AXIS);
  hline(image, rect.x0, rect.x1, rect.y1, AXIS);
  vline(image, rect.x0, rect.y0, rect.y1, AXIS);
  vline(image, rect.x1, rect.y0, rect.y1, AXIS);
  for (const t of axisTicks(x)) {
    const px = Math.round(rect.x0 + ((t.at - x.lo) / (x.hi - x.lo)) * (rect.x1 - rect.x0));
    vline(image, px, rect.y1 + 1, rect.y1 + TICK, AXIS);
    drawText(image, t.label, px, rect.y1 + TICK + 3, TEXT, { align: 'center' });
  }
  for (const t of axisTicks(y)) {
    const py = Math.round(rect.y1 - ((t.at - y.lo) / (y.hi - y.lo)) * (rect.y1 - rect.y0));
    hline(image, rect.x0 - TICK, rect.x0 - 1, py, AXIS);
    drawText(image, t.label, rect.x0 - TICK - 3, py - Math.floor(TEXT_HEIGHT / 2), TEXT, { align: 'right' });
  }
  const cx = Math.round((rect.x0 + rect.x1) / 2);
  if (text.xLabel !== undefined) drawText(image, text.xLabel, cx, rect.y1 + TICK + 3 + TEXT_HEIGHT + 6, TEXT, { align: 'center' });
  if (text.yLabel !== undefined) drawText(image, text.yLabel, 4, Math.round((rect.y0 + rect.y1) / 2), TEXT, { align: 'center', vertical: true });
  if (text.title !== undefined) drawText(image, text.title, cx, 4, TEXT, { align: 'center', scale: TITLE_SCALE });
}

/** `plot` (its pixels spanning `bounds`, y up) on labelled axes. */
function onAxes(plot: RgbaImage, bounds: Bounds, text: AxesText): RgbaImage {
  const x: Axis = { lo: bounds[0], hi: bounds[1], log: false };
  const y: Axis = { lo: bounds[2], hi: bounds[3], log: false };
  const m = axesMargins(x, y, text);
  const image = blankImage(m.left + plot.width + m.right, m.top + plot.height + m.bottom);
  blit(image, plot, m.left, m.top);
  drawAxes(image, { x0: m.left, x1: m.left + plot.width - 1, y0: m.top, y1: m.top + plot.height - 1 }, x, y, text);
  return image;
}

// ---------------------------------------------------------------------------------------------
// scatter

/** With a title or an axis label, the scatter (`size` × `size`) is drawn on labelled axes, the image growing by their margins. */
export interface ScatterOptions extends AxesText {
  /** Width = height in pixels (default 256). */
  size?: number;
  /** [xmin, xmax, ymin, ymax]; default: the finite points' range plus 5%. */
  bounds?: Bounds;
  /** One label a point: points are coloured by `categoricalPalette[label % 10]` (negative → grey). */
  labels?: Int32Array;
  /** Radius in pixels of each point's footprint; default from n (1.5 up to 2000 points, 1 up to 20000, else 0 = one pixel). */
  radius?: number;
  /** Colour of unlabelled points (default dark blue). */
  color?: Rgb | string;
  /** Draw the frame and the x = 0, y = 0 lines (default true). */
  axes?: boolean;
}

function checkBounds(b: Bounds): void {
  const [x0, x1, y0, y1] = b;
  if (![x0, x1, y0, y1].every(Number.isFinite) || !(x0 < x1) || !(y0 < y1))
    throw new RangeError(`bounds must be finite [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax, got [${b.join(', ')}]`);
}

/**
 * A density-like scatter of 2-D points on white: each pixel's opacity grows with the log of the
 * number of points covering it (scaled to the 99th percentile of covered pixels), so both
 * dense modes and sparse tails stay visible. With `labels`, a pixel's colour is the mean colour
 * of the labels covering it. The y axis points up.
 *
 * @param points [n, 2] row-major; non-finite or out-of-bounds points are skipped.
 */
export function scatterImage(points: Float32Array, opts: ScatterOptions = {}): RgbaImage {
  if (points.length % 2 !== 0) throw new RangeError(`scatter: points must be [n, 2], got ${points.length} values`);
  const n = points.length / 2;
  const labels = opts.labels;
  if (labels !== undefined && labels.length !== n) throw new RangeError(`scatter: labels must have one entry a point (${n}), got ${labels.length}`);
  const size = opts.size ?? 256;
  checkSize('scatter size', size);
  const bounds = opts.bounds ?? dataBounds(points);
  checkBounds(bounds);
  const [x0, x1, y0, y1] = bounds;
  const radius = opts.radius ?? (n <= 2000 ? 1.5 : n <= 20000 ? 1 : 0);
  if (!(radius >= 0 && radius <= 64)) throw new RangeError(`scatter: radius must be in [0, 64], got ${radius}`);
  const ink = parseColor(opts.color ?? INK);

  // The footprint of one point: pixel offsets within `radius`.
  const r = Math.floor(radius);
  const footprint: [number, number][] = [];
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= radius * radius + 1e-9) footprint.push([dx, dy]);

  const count = new Float32Array(size * size);
  const sum = labels === undefined ? undefined : new Float32Array(size * size * 3);
  for (let i = 0; i < n; i++) {
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue;
    const cx = Math.min(size - 1, Math.floor(((x - x0) / (x1 - x0)) * size));
    const cy = Math.min(size - 1, Math.floor(((y1 - y) / (y1 - y0)) * size));
    const label = labels?.[i] ?? 0;
    const color = label < 0 ? categoricalPalette[7] : categoricalPalette[label % categoricalPalette.length];
    for (const [dx, dy] of footprint) {
      const px = cx + dx;
      const py = cy + dy;
      if (px < 0 || py < 0 || px >= size || py >= size) continue;
      const k = py * size + px;
      count[k] = (count[k] as number) + 1;
      if (sum !== undefined && color !== undefined) {
        sum[3 * k] = (sum[3 * k] as number) + color[0];
        sum[3 * k + 1] = (sum[3 * k + 1] as number) + color[1];
        sum[3 * k + 2] = (sum[3 * k + 2] as number) + color[2];
      }
    }
  }

  const image = blankImage(size, size);
  if (opts.axes ?? true) {
    if (x0 < 0 && x1 > 0) vline(image, Math.floor((-x0 / (x1 - x0)) * size), 0, size - 1, ZERO_AXIS);
    if (y0 < 0 && y1 > 0) hline(image, 0, size - 1, Math.floor((y1 / (y1 - y0)) * size), ZERO_AXIS);
    hline(image, 0, size - 1, 0, FRAME);
    hline(image, 0, size - 1, size - 1, FRAME);
    vline(image, 0, 0, size - 1, FRAME);
    vline(image, size - 1, 0, size - 1, FRAME);
  }
  const reference = Math.max(1, percentile99(count));
  const logReference = Math.log1p(reference);
  for (let k = 0; k < count.length; k++) {
    const c = count[k] as number;
    if (c === 0) continue;
    const alpha = Math.min(1, 0.25 + (0.75 * Math.log1p(c)) / logReference);
    const color: Rgb = sum === undefined ? ink : [(sum[3 * k] as number) / c, (sum[3 * k + 1] as number) / c, (sum[3 * k + 2] as number) / c];
    const i = 4 * k;
    for (let ch = 0; ch < 3; ch++) image.rgba[i + ch] = Math.round((1 - alpha) * (image.rgba[i + ch] as number) + alpha * (color[ch] as number));
  }
  return hasText(opts) ? onAxes(image, bounds, opts) : image;
}

/** The 99th percentile (linearly interpolated) of the counts of covered pixels. */
function percentile99(count: Float32Array): number {
  const covered: number[] = [];
  for (const c of count) if (c > 0) covered.push(c);
  if (covered.length === 0) return 1;
  covered.sort((a, b) => a - b);
  const at = 0.99 * (covered.length - 1);
  const i = Math.floor(at);
  const lo = covered[i] as number;
  const hi = covered[Math.min(covered.length - 1, i + 1)] as number;
  return lo + (at - i) * (hi - lo);
}

/** `scatterImage` as PNG bytes. */
export function scatterPng(points: Float32Array, opts: ScatterOptions = {}): Buffer {
  return encodePng(scatterImage(points, opts));
}

// ---------------------------------------------------------------------------------------------
// heatmap

/** With a title or an axis label, the heatmap is drawn on labelled axes spanning `bounds`. */
export interface HeatmapOptions extends AxesText {
  colormap?: ColormapName;
  /** [lo, hi] mapped to the ends of the colour map; default the finite values' range. */
  range?: readonly [number, number];
  /** Colour of NaN and −Infinity cells (default white). +Infinity takes the top colour. */
  background?: Rgb | string;
  /** Integer up-scaling, each cell becoming scale × scale pixels (default 1). */
  scale?: number;
  /** The data window the grid covers, for the axes' ticks (default cell units [0, width, 0, height], y up). */
  bounds?: Bounds;
}

/**
 * A heatmap of `values` ([height, width], row 0 at the top), normalised to the colour map over
 * `range`. A constant field takes the middle colour.
 */
export function heatmapImage(values: Float32Array | Float64Array, width: number, height: number, opts: HeatmapOptions = {}): RgbaImage {
  checkSize('heatmap width', width);
  checkSize('heatmap height', height);
  if (values.length !== width * height) throw new RangeError(`heatmap: values must have width × height = ${width * height} entries, got ${values.length}`);
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`heatmap: scale must be an integer >= 1, got ${scale}`);
  const name = opts.colormap ?? 'viridis';
  const background = parseColor(opts.background ?? WHITE);
  let lo: number;
  let hi: number;
  if (opts.range !== undefined) {
    [lo, hi] = opts.range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) throw new RangeError(`heatmap: range must be finite [lo, hi] with lo <= hi, got [${lo}, ${hi}]`);
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (const v of values)
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  }
  const image = blankImage(width * scale, height * scale);
  for (let row = 0; row < height; row++)
    for (let col = 0; col < width; col++) {
      const v = values[row * width + col] as number;
      let color: Rgb;
      if (Number.isNaN(v) || v === -Infinity) color = background;
      else if (v === Infinity) color = colormap(name, 1);
      else color = colormap(name, hi > lo ? (v - lo) / (hi - lo) : 0.5);
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) setPixel(image, col * scale + dx, row * scale + dy, color);
    }
  if (!hasText(opts)) return image;
  const bounds = opts.bounds ?? [0, width, 0, height];
  checkBounds(bounds);
  return onAxes(image, bounds, opts);
}

/** `heatmapImage` as PNG bytes. */
export function heatmapPng(values: Float32Array | Float64Array, width: number, height: number, opts: HeatmapOptions = {}): Buffer {
  return encodePng(heatmapImage(values, width, height, opts));
}

// ---------------------------------------------------------------------------------------------
// panels and grids

/** Layout of a figure of several scatter or heat-map panels. */
export interface PanelsOptions {
  /** Panels a row (default: all in one row). */
  columns?: number;
  /** Pixels between panels (default 4). */
  gap?: number;
  background?: Rgb | string;
}

/**
 * Places figures on a grid, row by row, each centred in its cell (cells are as wide as the
 * widest panel of their column and as tall as the tallest of their row). Panels are PNG bytes
 * or raw images.
 */
export function panelsImage(panels: readonly (Uint8Array | RgbaImage)[], opts: PanelsOptions = {}): RgbaImage {
  if (panels.length === 0) throw new RangeError('panels: at least one panel is needed');
  const images = panels.map((p) => (p instanceof Uint8Array ? decodePng(p) : p));
  const columns = opts.columns ?? images.length;
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`panels: columns must be an integer >= 1, got ${columns}`);
  const gap = opts.gap ?? 4;
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`panels: gap must be an integer >= 0, got ${gap}`);
  const rows = Math.ceil(images.length / columns);
  const colWidth = new Array<number>(Math.min(columns, images.length)).fill(0);
  const rowHeight = new Array<number>(rows).fill(0);
  images.forEach((img, i) => {
    const c = i % columns;
    const r = Math.floor(i / columns);
    colWidth[c] = Math.max(colWidth[c] ?? 0, img.width);
    rowHeight[r] = Math.max(rowHeight[r] ?? 0, img.height);
  });
  const width = colWidth.reduce((a, b) => a + b, 0) + gap * (colWidth.length - 1);
  const height = rowHeight.reduce((a, b) => a + b, 0) + gap * (rows - 1);
  const out = blankImage(width, height, parseColor(opts.background ?? WHITE));
  images.forEach((img, i) => {
    const c = i % columns;
    const r = Math.floor(i / columns);
    const left = colWidth.slice(0, c).reduce((a, b) => a + b, 0) + gap * c + Math.floor(((colWidth[c] ?? 0) - img.width) / 2);
    const top = rowHeight.slice(0, r).reduce((a, b) => a + b, 0) + gap * r + Math.floor(((rowHeight[r] ?? 0) - img.height) / 2);
    blit(out, img, left, top);
  });
  return out;
}

function blit(dst: RgbaImage, src: RgbaImage, left: number, top: number): void {
  if (src.rgba.length !== src.width * src.height * 4) throw new RangeError(`panels: an image of ${src.width}×${src.height} needs ${src.width * src.height * 4} RGBA bytes, got ${src.rgba.length}`);
  for (let y = 0; y < src.height; y++) {
    const from = y * src.width * 4;
    dst.rgba.set(src.rgba.subarray(from, from + src.width * 4), ((top + y) * dst.width + left) * 4);
  }
}

/** `panelsImage` as PNG bytes. */
export function panelsPng(panels: readonly (Uint8Array | RgbaImage)[], opts: PanelsOptions = {}): Buffer {
  return encodePng(panelsImage(panels, opts));
}

/** Layout of a grid of images. */
export interface ImageGridOptions {
  /** Images a row (default ⌈√n⌉). */
  columns?: number;
  /** Pixels between images (default 2). */
  gap?: number;
  /** Integer up-scaling of each image (default 1). */
  scale?: number;
  /** Colour between images (default mid grey, visible on both black and white images). */
  gapColor?: Rgb | string;
  /** A title above the grid, on white. */
  title?: string;
}

/**
 * A grid of `n` images `[n, h, w, c]` (c = 1 grey or 3 RGB): bytes 0–255, or floats in [0, 1]
 * (clamped; NaN → 0).
 */
export function imageGridImage(images: Uint8Array | Float32Array, n: number, h: number, w: number, c: number, opts: ImageGridOptions = {}): RgbaImage {
  for (const [name, v] of [['n', n], ['h', h], ['w', w]] as const) checkSize(`imageGrid ${name}`, v);
  if (c !== 1 && c !== 3) throw new RangeError(`imageGrid: channels must be 1 or 3, got ${c}`);
  if (images.length !== n * h * w * c) throw new RangeError(`imageGrid: [${n}, ${h}, ${w}, ${c}] needs ${n * h * w * c} values, got ${images.length}`);
  const columns = opts.columns ?? Math.ceil(Math.sqrt(n));
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`imageGrid: columns must be an integer >= 1, got ${columns}`);
  const gap = opts.gap ?? 2;
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`imageGrid: gap must be an integer >= 0, got ${gap}`);
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`imageGrid: scale must be an integer >= 1, got ${scale}`);
  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const cw = w * scale;
  const ch = h * scale;
  const out = blankImage(cols * cw + (cols - 1) * gap, rows * ch + (rows - 1) * gap, parseColor(opts.gapColor ?? [128, 128, 128]));
  const byte =
    images instanceof Uint8Array
      ? (i: number) => images[i] as number
      : (i: number) => {
          const v = images[i] as number;
          return Number.isNaN(v) ? 0 : Math.round(255 * Math.min(1, Math.max(0, v)));
        };
  for (let k = 0; k < n; k++) {
    const left = (k % cols) * (cw + gap);
    const top = Math.floor(k / cols) * (ch + gap);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const base = ((k * h + y) * w + x) * c;
        const color: Rgb = c === 1 ? [byte(base), byte(base), byte(base)] : [byte(base), byte(base + 1), byte(base + 2)];
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) setPixel(out, left + x * scale + dx, top + y * scale + dy, color);
      }
  }
  if (opts.title === undefined) return out;
  const titled = blankImage(Math.max(out.width, textWidth(opts.title, TITLE_SCALE) + 8), TITLE_BAND + out.height);
  blit(titled, out, Math.floor((titled.width - out.width) / 2), TITLE_BAND);
  drawText(titled, opts.title, Math.floor(titled.width / 2), 4, TEXT, { align: 'center', scale: TITLE_SCALE });
  return titled;
}

/** `imageGridImage` as PNG bytes. */
export function imageGridPng(images: Uint8Array | Float32Array, n: number, h: number, w: number, c: number, opts: ImageGridOptions = {}): Buffer {
  return encodePng(imageGridImage(images, n, h, w, c, opts));
}

// ---------------------------------------------------------------------------------------------
// line plots

/** One line of a line plot: its points and its colour. */
export interface LineSeries {
  x: readonly number[];
  y: readonly number[];
  /** Default: `categoricalPalette[index]`. */
  color?: Rgb | string;
}

/** With a title or an axis label, the axes get tick labels, the labels and the title (the margins grow to fit them). */
export interface LinePlotOptions extends AxesText {
  width?: number;
  height?: number;
  /** Logarithmic y axis (points with y <= 0 are skipped); ticks at powers of ten. */
  logY?: boolean;
  /** Logarithmic x axis (points with x <= 0 are skipped). */
  logX?: boolean;
  /** Axis ranges in data units; default the finite points' range plus 4%. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
  /** Line thickness in pixels (default 2). */
  lineWidth?: number;
  /** Blank border around the plot area in pixels (default 16). */
  margin?: number;
}

/**
 * Lines on axes with ticks and light grid lines (loss curves, metric comparisons); labelled axes
 * and a title given `AxesText`.
 * Non-finite points (and non-positive ones on a log axis) break a line rather than end it.
 */
export function linePlotImage(series: readonly LineSeries[], opts: LinePlotOptions = {}): RgbaImage {
  const width = opts.width ?? 480;
  const height = opts.height ?? 320;
  checkSize('linePlot width', width);
  checkSize('linePlot height', height);
  const margin = opts.margin ?? 16;
  const lineWidth = opts.lineWidth ?? 2;
  if (!Number.isInteger(margin) || margin < 0 || 2 * margin + 8 > Math.min(width, height))
    throw new RangeError(`linePlot: margin must be an integer >= 0 leaving room to plot, got ${margin}`);
  if (!(lineWidth >= 1 && lineWidth <= 16)) throw new RangeError(`linePlot: lineWidth must be in [1, 16], got ${lineWidth}`);
  series.forEach((s, i) => {
    if (s.x.length !== s.y.length) throw new RangeError(`linePlot: series ${i} has ${s.x.length} x values and ${s.y.length} y values`);
  });
  const fx = opts.logX === true ? Math.log10 : (v: number) => v;
  const fy = opts.logY === true ? Math.log10 : (v: number) => v;
  const valid = (v: number) => Number.isFinite(v);
  const tx = series.map((s) => s.x.map(fx));
  const ty = series.map((s) => s.y.map(fy));
  const xr = axisRange(opts.xRange?.map(fx) as [number, number] | undefined, tx.flat().filter(valid), 'xRange');
  const yr = axisRange(opts.yRange?.map(fy) as [number, number] | undefined, ty.flat().filter(valid), 'yRange');

  const image = blankImage(width, height);
  const xAxis: Axis = { lo: xr[0], hi: xr[1], log: opts.logX === true };
  const yAxis: Axis = { lo: yr[0], hi: yr[1], log: opts.logY === true };
  const labelled = hasText(opts);
  const m: Margins = labelled ? axesMargins(xAxis, yAxis, opts) : { left: margin + 6, right: margin, top: margin, bottom: margin + 6 };
  const left = m.left;
  const right = width - m.right - 1;
  const top = m.top;
  const bottom = height - m.bottom - 1;
  if (right - left < 8 || bottom - top < 8) throw new RangeError(`linePlot: ${width}×${height} leaves no room to plot inside the axes' labels`);
  const toPx = (v: number) => left + ((v - xr[0]) / (xr[1] - xr[0])) * (right - left);
  const toPy = (v: number) => bottom - ((v - yr[0]) / (yr[1] - yr[0])) * (bottom - top);

  for (const t of axisTicks(xAxis)) {
    const px = Math.round(toPx(t.at));
    vline(image, px, top, bottom - 1, GRID);
    if (!labelled) vline(image, px, bottom + 1, bottom + 5, AXIS);
  }
  for (const t of axisTicks(yAxis)) {
    const py = Math.round(toPy(t.at));
    hline(image, left + 1, right, py, GRID);
    if (!labelled) hline(image, left - 5, left - 1, py, AXIS);
  }
  if (labelled) drawAxes(image, { x0: left, x1: right, y0: top, y1: bottom }, xAxis, yAxis, opts);
  vline(image, left, top, bottom, AXIS);
  hline(image, left, right, bottom, AXIS);

  const clip = { x0: left + 1, x1: right, y0: top, y1: bottom - 1 };
  series.forEach((s, i) => {
    const color = parseColor(s.color ?? (categoricalPalette[i % categoricalPalette.length] as Rgb));
    const xs = tx[i] as number[];
    const ys = ty[i] as number[];
    let prev: [number, number] | undefined;
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k] as number;
      const y = ys[k] as number;
      if (!valid(x) || !valid(y)) {
        prev = undefined;
        continue;
      }
      const p: [number, number] = [toPx(x), toPy(y)];
      const next = k + 1 < xs.length && valid(xs[k + 1] as number) && valid(ys[k + 1] as number);
      if (prev !== undefined) drawSegment(image, prev, p, color, lineWidth, clip);
      else if (!next) drawSegment(image, p, p, color, lineWidth + 1, clip);
      prev = p;
    }
  });
  return image;
}

function axisRange(given: [number, number] | undefined, values: number[], name: string): [number, number] {
  if (given !== undefined) {
    const [lo, hi] = given;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) throw new RangeError(`linePlot: ${name} must be finite [lo, hi] with lo < hi (positive on a log axis)`);
    return [lo, hi];
  }
  if (values.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi === lo) return [lo - 0.5, hi + 0.5];
  const pad = 0.04 * (hi - lo);
  return [lo - pad, hi + pad];
}

interface Clip {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Clips the segment a→b (pixel coordinates, floats) to the rectangle (Liang–Barsky); undefined
 * when nothing of it is inside.
 */
function clipSegment(a: [number, number], b: [number, number], clip: Clip): [[number, number], [number, number]] | undefined {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, a[0] - clip.x0],
    [dx, clip.x1 - a[0]],
    [-dy, a[1] - clip.y0],
    [dy, clip.y1 - a[1]],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return undefined;
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
    }
  }
  if (t0 > t1) return undefined;
  return [
    [a[0] + t0 * dx, a[1] + t0 * dy],
    [a[0] + t1 * dx, a[1] + t1 * dy],
  ];
}

function drawSegment(image: RgbaImage, a: [number, number], b: [number, number], color: Rgb, width: number, clip: Clip): void {
  // Clip with a margin of the brush, so a line along the edge keeps its thickness.
  const pad = Math.ceil(width / 2);
  const clipped = clipSegment(a, b, { x0: clip.x0 - pad, x1: clip.x1 + pad, y0: clip.y0 - pad, y1: clip.y1 + pad });
  if (clipped === undefined) return;
  const [p, q] = clipped;
  drawLine(image, [Math.round(p[0]), Math.round(p[1])], [Math.round(q[0]), Math.round(q[1])], color, width, clip);
}

/** A thick line: a square brush of `width` pixels moved along Bresenham's path, clipped. */
function drawLine(image: RgbaImage, a: [number, number], b: [number, number], color: Rgb, width: number, clip: Clip): void {
  const lo = -Math.floor((width - 1) / 2);
  const hi = lo + Math.round(width) - 1;
  const stamp = (x: number, y: number) => {
    for (let dy = lo; dy <= hi; dy++)
      for (let dx = lo; dx <= hi; dx++) {
        const px = x + dx;
        const py = y + dy;
        if (px >= clip.x0 && px <= clip.x1 && py >= clip.y0 && py <= clip.y1) setPixel(image, px, py, color);
      }
  };
  let [x, y] = a;
  const [x1, y1] = b;
  const dx = Math.abs(x1 - x);
  const dy = -Math.abs(y1 - y);
  const sx = x < x1 ? 1 : -1;
  const sy = y < y1 ? 1 : -1;
  let err = dx + dy;
  for (let guard = 0; guard <= dx - dy + 1; guard++) {
    stamp(x, y);
    if (x === x1 && y === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/** `linePlotImage` as PNG bytes. */
export function linePlotPng(series: readonly LineSeries[], opts: LinePlotOptions = {}): Buffer {
  return encodePng(linePlotImage(series, opts));
}
