/**
 * Plot geometry shared by the CLI's PNG figures (png.ts) and the browser playground: data windows
 * (bounds) and axis ticks ("nice" round values 1, 2 or 5 × 10^k apart, their labels, decades on a
 * log axis). Pure numbers, no Node imports: the `@diffflow/figures/plot` entry point is browser-safe.
 */

/** A plot's data window [x_min, x_max, y_min, y_max]. */
export type Bounds = readonly [xmin: number, xmax: number, ymin: number, ymax: number];

/** The finite points' [x_min, x_max, y_min, y_max] of `points` ([n, 2] row-major); undefined without any. */
function extent(points: Float32Array): [number, number, number, number] | undefined {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  return x0 > x1 ? undefined : [x0, x1, y0, y1];
}

/**
 * [xmin, xmax, ymin, ymax] of the finite points of `points` ([n, 2]) plus `pad` of each span on
 * each side (0.5 around a zero span). No finite points → [−1, 1]².
 */
export function dataBounds(points: Float32Array, pad = 0.05): Bounds {
  const e = extent(points);
  if (e === undefined) return [-1, 1, -1, 1];
  const [x0, x1, y0, y1] = e;
  const px = x1 > x0 ? pad * (x1 - x0) : 0.5;
  const py = y1 > y0 ? pad * (y1 - y0) : 0.5;
  return [x0 - px, x1 + px, y0 - py, y1 + py];
}

/**
 * A square window around points ([n, 2] row-major): the larger of the two ranges plus `margin` of
 * it on each side, centred on the points. No points → [−1, 1]².
 */
export function squareBounds(points: Float32Array, margin = 0.1): Bounds {
  const e = extent(points);
  if (e === undefined) return [-1, 1, -1, 1];
  const [x0, x1, y0, y1] = e;
  const half = 0.5 * Math.max(x1 - x0, y1 - y0, 1e-6) * (1 + 2 * margin);
  const cx = 0.5 * (x0 + x1);
  const cy = 0.5 * (y0 + y1);
  return [cx - half, cx + half, cy - half, cy + half];
}

/** A tick step of the form {1, 2, 5} × 10^k close to span / target. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !Number.isFinite(span)) throw new RangeError(`niceStep: span must be a finite number > 0, got ${span}`);
  if (!(target >= 1)) throw new RangeError(`niceStep: target must be ≥ 1, got ${target}`);
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const mantissa = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
  return mantissa * power;
}

/**
 * The multiples of a nice step inside [lo, hi] (about `target` of them, at least 2 when the range
 * holds them), without float noise or −0. A degenerate range lo = hi gives [lo].
 */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) throw new RangeError(`niceTicks: need finite lo ≤ hi, got [${lo}, ${hi}]`);
  if (hi === lo) return [lo];
  const step = niceStep(hi - lo, target);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(roundTo(k * step, step));
  return ticks;
}

/** Removes float noise: k · step rounded to the step's decimals. */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const v = Number(value.toFixed(decimals));
  return v === 0 ? 0 : v; // no −0
}

/** A tick's label: as few decimals as the step needs; exponent form for very large or small values. */
export function tickLabel(value: number, step: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(1).replace('e+', 'e');
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(decimals);
}

/**
 * Ticks of a log axis over [lo, hi] given in log10 units: every decade, plus 2× and 5× when fewer
 * than 2.5 decades show. Returned in log10 units.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) throw new RangeError(`logTicks: need finite lo ≤ hi, got [${lo}, ${hi}]`);
  const ticks: number[] = [];
  const few = hi - lo < 2.5;
  for (let k = Math.floor(lo); k <= Math.ceil(hi); k++)
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = k + Math.log10(m);
      if (v >= lo - 1e-12 && v <= hi + 1e-12) ticks.push(v);
    }
  return ticks;
}

/** The label of a log-axis tick at log10 value `v`: the plain number up to 10^4 (and down to 10^-3), else 1e5, 2e-4 …. */
export function logTickLabel(v: number): string {
  const value = 10 ** v;
  const k = Math.floor(v + 1e-9);
  const m = Math.round(value / 10 ** k);
  if (k >= -3 && k <= 4) return Number(value.toPrecision(1)).toString();
  return `${m}e${k}`;
}
