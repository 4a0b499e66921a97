/**
 * Canvas figures with real axes: a title, tick marks with labels on both axes and axis labels,
 * then scatter plots, heat-maps (with a colour bar), vector fields and lines drawn in data
 * coordinates. Figures are laid out in CSS pixels and drawn at the device pixel ratio, so text
 * and points are sharp on high-density screens (`fitCanvas`).
 */
import { niceStep, niceTicks, tickLabel, type Bounds } from '@diffflow/figures/plot';

/** A figure's title, axis labels and data window. */
export interface FigureOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bounds: Bounds;
  /** Fill of the plot area (default white). */
  readonly background?: string;
}

/** A drawn frame: maps data coordinates to canvas (CSS) pixels inside the plot area. */
export interface Figure {
  readonly ctx: CanvasRenderingContext2D;
  readonly bounds: Bounds;
  /** Plot area in CSS pixels of the canvas: left, top, width, height. */
  readonly area: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
  px(x: number): number;
  py(y: number): number;
  /** Data coordinates of a point of the canvas in CSS pixels (a pointer event's offsetX, offsetY). */
  toData(cx: number, cy: number): [number, number];
}

/**
 * Sizes a canvas's backing store to its displayed size × the device pixel ratio (its CSS size:
 * the laid-out width and its aspect-ratio; the width/height attributes before layout) and scales
 * its context so drawing is in CSS pixels. Resizing clears the canvas.
 * @returns the size to draw in, CSS pixels
 */
export function fitCanvas(canvas: HTMLCanvasElement): { readonly width: number; readonly height: number } {
  const dpr = typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1;
  const cssW = canvas.clientWidth > 0 ? canvas.clientWidth : Number(canvas.getAttribute('width') ?? 300);
  const cssH = canvas.clientHeight > 0 ? canvas.clientHeight : Number(canvas.getAttribute('height') ?? 150);
  const w = Math.max(1, Math.round(cssW * dpr));
  const h = Math.max(1, Math.round(cssH * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  (canvas.getContext('2d') as CanvasRenderingContext2D).setTransform(w / cssW, 0, 0, h / cssH, 0, 0);
  return { width: cssW, height: cssH };
}

const FONT = '11px system-ui, sans-serif';
const TITLE_FONT = 'bold 12px system-ui, sans-serif';
const MARGIN = { left: 44, right: 10, top: 22, bottom: 34 };

/** Fits the canvas (`fitCanvas`), clears it and draws title, frame, ticks, tick labels and axis labels. */
export function figure(canvas: HTMLCanvasElement, o: FigureOptions): Figure {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const { width: w, height: h } = fitCanvas(canvas);
  ctx.save();
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const area = { left: MARGIN.left, top: MARGIN.top, width: w - MARGIN.left - MARGIN.right, height: h - MARGIN.top - MARGIN.bottom };
  const [x0, x1, y0, y1] = o.bounds;
  const px = (x: number): number => area.left + ((x - x0) / (x1 - x0)) * area.width;
  const py = (y: number): number => area.top + (1 - (y - y0) / (y1 - y0)) * area.height;
  if (o.background !== undefined) {
    ctx.fillStyle = o.background;
    ctx.fillRect(area.left, area.top, area.width, area.height);
  }
  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1;
  ctx.strokeRect(area.left + 0.5, area.top + 0.5, area.width, area.height);
  ctx.font = FONT;
  ctx.fillStyle = '#333';
  // x ticks below the frame, y ticks left of it
  // about one labelled tick per 60 px, so small panels stay readable
  const ticksX = Math.max(3, Math.min(5, Math.floor(area.width / 60)));
  const ticksY = Math.max(3, Math.min(5, Math.floor(area.height / 45)));
  axisTicks(ctx, x0, x1, ticksX, (t) => {
    const X = Math.round(px(t)) + 0.5;
    return { from: [X, area.top + area.height], to: [X, area.top + area.height + 4], label: [X, area.top + area.height + 5], align: 'center', baseline: 'top' };
  });
  axisTicks(ctx, y0, y1, ticksY, (t) => {
    const Y = Math.round(py(t)) + 0.5;
    return { from: [area.left - 4, Y], to: [area.left, Y], label: [area.left - 6, Y], align: 'right', baseline: 'middle' };
  });
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(o.xLabel, area.left + area.width / 2, h - 2);
  ctx.save();
  ctx.translate(11, area.top + area.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(o.yLabel, 0, 0);
  ctx.restore();
  ctx.font = TITLE_FONT;
  ctx.textBaseline = 'top';
  ctx.fillText(o.title, w / 2, 4);
  ctx.restore();
  return {
    ctx,
    bounds: o.bounds,
    area,
    px,
    py,
    toData: (cx, cy) => [x0 + ((cx - area.left) / area.width) * (x1 - x0), y0 + (1 - (cy - area.top) / area.height) * (y1 - y0)],
  };
}

interface TickPlace {
  readonly from: [number, number];
  readonly to: [number, number];
  readonly label: [number, number];
  readonly align: CanvasTextAlign;
  readonly baseline: CanvasTextBaseline;
}

/** About `count` tick marks and labels of one axis over [lo, hi] at the canvas places `place` gives. */
function axisTicks(ctx: CanvasRenderingContext2D, lo: number, hi: number, count: number, place: (t: number) => TickPlace): void {
  if (!(hi > lo)) return;
  const step = niceStep(hi - lo, count);
  for (const t of niceTicks(lo, hi, count)) {
    const p = place(t);
    ctx.beginPath();
    ctx.moveTo(...p.from);
    ctx.lineTo(...p.to);
    ctx.stroke();
    ctx.textAlign = p.align;
    ctx.textBaseline = p.baseline;
    ctx.fillText(tickLabel(t, step), ...p.label);
  }
}

/** Clips drawing to the plot area while `draw` runs. */
function clipped(f: Figure, draw: () => void): void {
  f.ctx.save();
  f.ctx.beginPath();
  f.ctx.rect(f.area.left, f.area.top, f.area.width, f.area.height);
  f.ctx.clip();
  draw();
  f.ctx.restore();
}

/** Points [n, 2] as dots; `colors` one CSS colour per point, or one for all. */
export function scatter(f: Figure, points: Float32Array, colors: string | readonly string[], radius = 1.6): void {
  clipped(f, () => {
    const ctx = f.ctx;
    for (let i = 0; i + 1 < points.length; i += 2) {
      ctx.fillStyle = typeof colors === 'string' ? colors : ((colors[i / 2] as string | undefined) ?? '#000');
      ctx.fillRect(f.px(points[i] as number) - radius / 2, f.py(points[i + 1] as number) - radius / 2, radius, radius);
    }
  });
}

/** Polylines through the same point of consecutive states: states[k] is [n, 2]. */
export function trails(f: Figure, states: readonly Float32Array[], upTo: number, colors: readonly string[], every = 4): void {
  clipped(f, () => {
    const ctx = f.ctx;
    ctx.globalAlpha = 0.35;
    ctx.lineWidth = 0.8;
    const n = (states[0]?.length ?? 0) / 2;
    for (let p = 0; p < n; p += every) {
      ctx.strokeStyle = colors[p] ?? '#888';
      ctx.beginPath();
      for (let k = 0; k <= upTo && k < states.length; k++) {
        const s = states[k] as Float32Array;
        const X = f.px(s[2 * p] as number);
        const Y = f.py(s[2 * p + 1] as number);
        if (k === 0) ctx.moveTo(X, Y);
        else ctx.lineTo(X, Y);
      }
      ctx.stroke();
    }
  });
}

/** Colour of a value in [0, 1] on a perceptual dark-blue → yellow ramp (viridis-like). */
export function ramp(v: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const a = stops[i] as [number, number, number];
  const b = stops[i + 1] as [number, number, number];
  const t = x - i;
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/**
 * A res × res picture of values over the figure's bounds (row 0 at the top), coloured from
 * `lo` (dark) to `hi` (bright); values below `lo` are clamped.
 */
export function heatmap(f: Figure, values: Float32Array, res: number, lo: number, hi: number): void {
  const image = new ImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    const [r, g, b] = ramp(((values[i] as number) - lo) / (hi - lo || 1));
    image.data[4 * i] = r;
    image.data[4 * i + 1] = g;
    image.data[4 * i + 2] = b;
    image.data[4 * i + 3] = 255;
  }
  const tile = new OffscreenCanvas(res, res);
  (tile.getContext('2d') as OffscreenCanvasRenderingContext2D).putImageData(image, 0, 0);
  clipped(f, () => {
    f.ctx.imageSmoothingEnabled = true;
    f.ctx.drawImage(tile, f.area.left, f.area.top, f.area.width, f.area.height);
  });
}

/**
 * A colour bar inside the plot area's top-right corner: the heat-map's ramp from `lo` (bottom) to
 * `hi` (top) with both values and `label`, on a white box so it reads over any map.
 */
export function colorBar(f: Figure, lo: number, hi: number, label: string): void {
  const ctx = f.ctx;
  const barW = 10;
  const barH = Math.max(40, Math.min(110, 0.45 * f.area.height));
  const boxW = 62;
  const x = f.area.left + f.area.width - boxW - 4;
  const y = f.area.top + 4;
  ctx.save();
  ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
  ctx.fillRect(x, y, boxW, barH + 30);
  for (let k = 0; k < barH; k++) {
    const [r, g, b] = ramp(1 - k / (barH - 1));
    ctx.fillStyle = `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
    ctx.fillRect(x + 4, y + 16 + k, barW, 1);
  }
  ctx.strokeStyle = '#333';
  ctx.strokeRect(x + 4.5, y + 16.5, barW, barH - 1);
  ctx.fillStyle = '#333';
  ctx.font = FONT;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(label, x + 4, y + 3);
  ctx.textBaseline = 'middle';
  ctx.fillText(hi.toFixed(1), x + barW + 8, y + 17);
  ctx.fillText(lo.toFixed(1), x + barW + 8, y + 15 + barH);
  ctx.restore();
}

/** Arrows of `vectors` at `points` (both [n, 2]), lengths scaled so the longest is `maxLength` data units. */
export function quiver(f: Figure, points: Float32Array, vectors: Float32Array, maxLength: number, color = '#1f4e9c'): void {
  let longest = 0;
  for (let i = 0; i + 1 < vectors.length; i += 2) longest = Math.max(longest, Math.hypot(vectors[i] as number, vectors[i + 1] as number));
  const scale = longest > 0 ? maxLength / longest : 0;
  clipped(f, () => {
    const ctx = f.ctx;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.1;
    for (let i = 0; i + 1 < points.length; i += 2) {
      const x = points[i] as number;
      const y = points[i + 1] as number;
      const X0 = f.px(x);
      const Y0 = f.py(y);
      const X1 = f.px(x + scale * (vectors[i] as number));
      const Y1 = f.py(y + scale * (vectors[i + 1] as number));
      ctx.beginPath();
      ctx.moveTo(X0, Y0);
      ctx.lineTo(X1, Y1);
      ctx.stroke();
      const angle = Math.atan2(Y1 - Y0, X1 - X0);
      const head = Math.min(4, 0.4 * Math.hypot(X1 - X0, Y1 - Y0));
      ctx.beginPath();
      ctx.moveTo(X1, Y1);
      ctx.lineTo(X1 - head * Math.cos(angle - 0.5), Y1 - head * Math.sin(angle - 0.5));
      ctx.lineTo(X1 - head * Math.cos(angle + 0.5), Y1 - head * Math.sin(angle + 0.5));
      ctx.closePath();
      ctx.fill();
    }
  });
}

/** A polyline through (xs[i], ys[i]); non-finite values break it. */
export function line(f: Figure, xs: readonly number[], ys: readonly number[], color: string): void {
  clipped(f, () => {
    const ctx = f.ctx;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.4;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i] as number;
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(f.px(xs[i] as number), f.py(y));
      else ctx.moveTo(f.px(xs[i] as number), f.py(y));
      pen = true;
    }
    ctx.stroke();
  });
}

/** A small legend in the plot's top-right corner. */
export function legend(f: Figure, entries: readonly { label: string; color: string }[]): void {
  const ctx = f.ctx;
  ctx.save();
  ctx.font = FONT;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  entries.forEach((e, i) => {
    const y = f.area.top + 4 + 14 * i;
    ctx.fillStyle = e.color;
    ctx.fillRect(f.area.left + f.area.width - 14, y + 3, 10, 3);
    ctx.fillStyle = '#333';
    ctx.fillText(e.label, f.area.left + f.area.width - 18, y);
  });
  ctx.restore();
}
