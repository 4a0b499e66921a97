import * as tf from '@tensorflow/tfjs-core';

/**
 * Replayable randomness. Every random draw is named by a key — (seed, purpose, iteration, step) —
 * and generated from that key alone, never from a shared stream. The same key gives the same
 * numbers whatever else was drawn before, in whatever order: the adjoint regenerates δ^F_i instead
 * of storing it, a resumed run redraws exactly what it would have drawn, and a batch split across
 * workers sees the same noise as the whole batch.
 */
export interface NoiseKey {
  /** The experiment's root seed (any integer). */
  readonly seed: number;
  /** What the numbers are for, e.g. 'forward', 'grid', 'data', 'init', 'probe'. */
  readonly purpose: string;
  /** Training iteration (or sample batch index). */
  readonly iteration: number;
  /** Step i of the trajectory (0 when not applicable). */
  readonly step: number;
}

/** 32-bit mix of a number into the running hash (murmur3 finaliser on each 32-bit half). */
function mix(h: number, value: number): number {
  const lo = value >>> 0;
  const hi = Math.floor(value / 2 ** 32) >>> 0;
  for (const part of [lo, hi]) {
    let k = Math.imul(part, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return h;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed derived from a key; different keys give (with overwhelming odds) different seeds. */
export function deriveSeed(key: NoiseKey): number {
  let h = 0x9e3779b9;
  h = mix(h, key.seed);
  for (let i = 0; i < key.purpose.length; i++) h = mix(h, key.purpose.charCodeAt(i));
  h = mix(h, key.iteration);
  h = mix(h, key.step);
  return fmix(h);
}

/**
 * The root seed of a named sub-stream that is not a training iteration's (a validation subset, a
 * sample grid, an evaluation's noise): {@link deriveSeed} of the key (seed, purpose) at iteration 0,
 * step 0 — the same namespacing as a {@link NoiseKey}'s purpose, one level up, so each purpose
 * gets its own stream from one root seed.
 */
export function purposeSeed(seed: number, purpose: string): number {
  return deriveSeed({ seed, purpose, iteration: 0, step: 0 });
}

/**
 * A small counter-free generator (sfc32) seeded from a key: uniform floats in [0, 1).
 * Plain JavaScript, so the numbers do not depend on the tfjs backend or version.
 */
export function uniformGenerator(key: NoiseKey): () => number {
  let a = deriveSeed(key);
  let b = fmix(a ^ 0x6a09e667);
  let c = fmix(b ^ 0xbb67ae85);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** `count` uniforms in [0, 1) for a key. */
export function replayableUniforms(count: number, key: NoiseKey): Float64Array {
  const next = uniformGenerator(key);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = next();
  return out;
}

/** `count` standard normal numbers for a key (Box–Muller on the key's uniforms). */
export function replayableNormals(count: number, key: NoiseKey): Float32Array {
  const next = uniformGenerator(key);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - next(); // (0, 1]
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * δ ~ N(0, I) of the given shape for a key, as a float32 tensor.
 * @param shape [B, ...D]
 * @param rows optional [start, end): only these rows of the full [B, ...D] draw (a shard of a batch
 *   split across workers gets exactly its rows of the whole batch's noise).
 */
export function replayableNormal(shape: readonly number[], key: NoiseKey, rows?: readonly [number, number]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const all = replayableNormals(size, key);
  if (rows === undefined) return tf.tensor(all, shape as number[], 'float32');
  const rowSize = size / (shape[0] ?? 1);
  const [start, end] = rows;
  return tf.tensor(all.subarray(start * rowSize, end * rowSize), [end - start, ...shape.slice(1)], 'float32');
}

/**
 * The forward noise δ^F_i of one training iteration as a function of the step i: what the loss
 * draws while simulating. Any function of this shape will do for the loss alone; the adjoint, which
 * regenerates δ^F_i instead of storing it, takes a {@link ReplayableNoise}.
 */
export type NoiseSource = (step: number, shape: readonly number[]) => tf.Tensor;

declare const replayable: unique symbol;

/**
 * A {@link NoiseSource} that gives the same tensor for the same step on every call: only this
 * package's keyed constructors ({@link forwardNoise}, {@link keyedNoise}, {@link rowKeyedNoise})
 * make one, so `(i, shape) => tf.randomNormal(shape)` is a type error where it is required.
 */
export type ReplayableNoise = NoiseSource & { readonly [replayable]: true };

const brand = (source: NoiseSource): ReplayableNoise => source as ReplayableNoise;

/**
 * Noise keyed (seed, purpose, iteration, step = i): `keyedNoise(key)(i, shape)` is the same
 * tensor on every call.
 * @param rows optional [start, end) rows of the full batch (data-parallel shards): a shard of
 *   `end − start` rows gets exactly those rows of the whole batch's draw.
 */
export function keyedNoise(key: Omit<NoiseKey, 'step'>, rows?: readonly [number, number]): ReplayableNoise {
  return brand((step, shape) => {
    const full = rows === undefined ? shape : [shape[0] === undefined ? 0 : fullRows(rows, shape), ...shape.slice(1)];
    return replayableNormal(full, { ...key, step }, rows);
  });
}

/**
 * δ^F for (seed, iteration, step): `forwardNoise(seed, it)(i, shape)` is the same tensor every call.
 * @param rows optional [start, end) rows of the full batch (data-parallel shards).
 */
export function forwardNoise(seed: number, iteration: number, rows?: readonly [number, number]): ReplayableNoise {
  return keyedNoise({ seed, purpose: 'forward', iteration }, rows);
}

/** With a shard, `shape[0]` is the shard's row count; the full batch has at least `rows[1]` rows. */
function fullRows(rows: readonly [number, number], shape: readonly number[]): number {
  if (shape[0] !== rows[1] - rows[0]) throw new RangeError(`forwardNoise: shard rows ${rows[0]}…${rows[1]} do not match batch ${shape[0]}`);
  return rows[1];
}

/**
 * Noise keyed per data row: row r of step i is keyed (seed, purpose, iteration = r, step = i), so
 * a result never depends on how rows are cut into chunks, and rows [start, end) cost O(end − start).
 * @param rows the [start, end) rows of the batch this source serves (its shape[0] must be end − start)
 */
export function rowKeyedNoise(seed: number, purpose: string, rows: readonly [number, number]): ReplayableNoise {
  return brand((step, shape) => {
    if (shape[0] !== rows[1] - rows[0]) throw new RangeError(`rowKeyedNoise: batch of ${shape[0]} rows does not match rows ${rows[0]}…${rows[1]}`);
    return tf.tensor(rowNormals(seed, purpose, rows, shape.slice(1).reduce((a, b) => a * b, 1), step), shape as number[], 'float32');
  });
}

/**
 * `perRow` standard normals for each row of [start, end), row r keyed (seed, purpose, r, step),
 * rows concatenated. @returns Float32Array of length (end − start)·perRow
 */
export function rowNormals(seed: number, purpose: string, rows: readonly [number, number], perRow: number, step: number): Float32Array {
  const [start, end] = rows;
  const out = new Float32Array((end - start) * perRow);
  for (let r = start; r < end; r++) out.set(replayableNormals(perRow, { seed, purpose, iteration: r, step }), (r - start) * perRow);
  return out;
}

/** `perRow` uniforms in [0, 1) for each row of [start, end), row r keyed (seed, purpose, r, step) (float64). */
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

/**
 * Throws an Error unless `noise` gives the same numbers for the same step twice (drawn at `step`
 * with `shape`): the cheap check a consumer that replays noise (the adjoint) runs first.
 */
export function checkReplays(noise: NoiseSource, shape: readonly number[], where: string, step = 0): void {
  const [a, b] = [noise(step, shape), noise(step, shape)];
  const da = a.dataSync();
  const db = b.dataSync();
  const same = da.length === db.length && da.every((v, k) => Object.is(v, db[k]));
  tf.dispose([a, b]);
  if (!same) {
    throw new Error(
      `${where}: the noise source does not replay (step ${step} drawn twice gave different numbers); ` +
        'use a keyed source such as forwardNoise(seed, iteration) from @diffflow/sde-core',
    );
  }
}
