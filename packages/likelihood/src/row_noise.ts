import { replayableNormals, replayableUniforms } from '@diffflow/sde-core';

/**
 * Randomness keyed per data row. Row r's numbers come from the key (seed, purpose, iteration = r,
 * step) alone, so a result never depends on how the rows are cut into chunks (`batchSize`), and
 * drawing rows [start, end) costs O(end − start), not O(n).
 */

/**
 * `perRow` standard normals for each row of [start, end), rows concatenated.
 * @returns Float32Array of length (end − start)·perRow
 */
export function rowNormals(seed: number, purpose: string, rows: readonly [number, number], perRow: number, step: number): Float32Array {
  const [start, end] = rows;
  const out = new Float32Array((end - start) * perRow);
  for (let r = start; r < end; r++) out.set(replayableNormals(perRow, { seed, purpose, iteration: r, step }), (r - start) * perRow);
  return out;
}

/**
 * `perRow` uniforms in [0, 1) for each row of [start, end), rows concatenated (float64).
 * @returns Float64Array of length (end − start)·perRow
 */
export function rowUniforms(seed: number, purpose: string, rows: readonly [number, number], perRow: number, step: number): Float64Array {
  const [start, end] = rows;
  const out = new Float64Array((end - start) * perRow);
  for (let r = start; r < end; r++) out.set(replayableUniforms(perRow, { seed, purpose, iteration: r, step }), (r - start) * perRow);
  return out;
}

/** `perRow` Rademacher signs (±1, each with probability ½) for each row of [start, end): u < ½ ↦ −1, else +1. */
export function rowRademacher(seed: number, purpose: string, rows: readonly [number, number], perRow: number, step: number): Float32Array {
  return Float32Array.from(rowUniforms(seed, purpose, rows, perRow, step), (u) => (u < 0.5 ? -1 : 1));
}
