/**
 * Axis ticks: "nice" round values (1, 2 or 5 × 10^k apart) covering a range, and their labels.
 */

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
 * holds them). A degenerate range lo = hi gives [lo].
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
