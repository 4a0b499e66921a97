/**
 * How long the examples run: `DIFFFLOW_EXAMPLE_ITERATIONS` training iterations (default: the value
 * each program gives) — the test suite sets it to 2.
 */
export function iterations(fallback: number): number {
  const v = Number(process.env['DIFFFLOW_EXAMPLE_ITERATIONS'] ?? fallback);
  return Number.isInteger(v) && v >= 1 ? v : fallback;
}
