/**
 * A pretrained model's "first sight": its samples, its data and its log-density map as the worker
 * would first draw them, stored beside the checkpoint (`public/pretrained/<name>.sight.json`, a few
 * KB) so the page shows the trained model from a small file before its worker has started
 * (fetching the worker's script, starting wasm and its threads and restoring the checkpoint take
 * most of the first second or two). The file is computed from the checkpoint by the worker's own
 * code (`firstSightOf` in worker/model.ts, `npx nx run playground:pretrain --sights`); a unit test
 * checks the committed files against it, and the end-to-end tests check that the live samples
 * replacing the stored ones are the same draw. Pure: no tensors (the page's bundle stays small).
 */
import * as E from 'fp-ts/es6/Either.js';
import type { Bounds } from '@diffflow/figures/plot';
import type { SamplerSpec } from '@diffflow/likelihood';

/** Decimals kept in the file: 10⁻⁴ data units, far below a pixel of any plot. */
export const FIRST_SIGHT_DECIMALS = 4;

/** What the page shows of a pretrained model before its worker is up. */
export interface FirstSight {
  /** The checkpoint's iteration. */
  readonly iteration: number;
  /** The sampler the samples were drawn with (the page's default: the stored samples are shown only under it). */
  readonly sampler: { readonly spec: SamplerSpec; readonly steps: number; readonly n: number; readonly seed: number };
  /** The data plots' window (`plotBounds`). */
  readonly bounds: Bounds;
  /** DiffFlow samples, data coordinates, [n, 2]. */
  readonly samples: Float32Array;
  /** The data plot's points (`datasetPoints`), data coordinates, [m, 2]. */
  readonly data: Float32Array;
  /** log p(x) on a res × res picture of `bounds`, row 0 at the top (`logDensityPicture`). */
  readonly density: { readonly res: number; readonly logDensity: Float32Array };
}

const rounded = (values: Float32Array): number[] => Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toFixed(FIRST_SIGHT_DECIMALS)) : null) as number);

/** The file's text: JSON with every coordinate to {@link FIRST_SIGHT_DECIMALS} decimals (a non-finite log-density as null). */
export function encodeFirstSight(s: FirstSight): string {
  return `${JSON.stringify({
    iteration: s.iteration,
    sampler: s.sampler,
    bounds: s.bounds,
    samples: rounded(s.samples),
    data: rounded(s.data),
    density: { res: s.density.res, logDensity: rounded(s.density.logDensity) },
  })}\n`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, lo: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo;

/** A list of numbers (null → NaN where `nulls`) as a Float32Array of even length, or null when it is not one. */
function floats(v: unknown, nulls: boolean): Float32Array | null {
  if (!Array.isArray(v)) return null;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x === 'number' && Number.isFinite(x)) out[i] = x;
    else if (x === null && nulls) out[i] = Number.NaN;
    else return null;
  }
  return out;
}

/**
 * Reads a first-sight file (already parsed JSON); Left names the first bad field of `name`.
 */
export function decodeFirstSight(json: unknown, name: string): E.Either<string, FirstSight> {
  const bad = (field: string, allowed: string): E.Either<string, FirstSight> => E.left(`${name}: '${field}' must be ${allowed}`);
  if (!isRecord(json)) return bad('(the file)', 'a JSON object');
  if (!isInt(json['iteration'], 0)) return bad('iteration', 'an integer ≥ 0');
  const sampler = json['sampler'];
  if (!isRecord(sampler) || !isRecord(sampler['spec']) || typeof sampler['spec']['name'] !== 'string') return bad('sampler', 'an object with spec.name, steps, n and seed');
  if (!isInt(sampler['steps'], 1) || !isInt(sampler['n'], 1) || !isInt(sampler['seed'], 0)) return bad('sampler', 'an object with integer steps ≥ 1, n ≥ 1 and seed ≥ 0');
  const bounds = json['bounds'];
  if (!Array.isArray(bounds) || bounds.length !== 4 || !bounds.every((b) => typeof b === 'number' && Number.isFinite(b)) || !(bounds[0] < bounds[1] && bounds[2] < bounds[3])) {
    return bad('bounds', '[x0, x1, y0, y1] with x0 < x1 and y0 < y1');
  }
  const samples = floats(json['samples'], false);
  if (samples === null || samples.length !== 2 * sampler['n']) return bad('samples', `2 × sampler.n = ${2 * sampler['n']} finite numbers`);
  const data = floats(json['data'], false);
  if (data === null || data.length === 0 || data.length % 2 !== 0) return bad('data', 'a non-empty list of x, y pairs');
  const density = json['density'];
  if (!isRecord(density) || !isInt(density['res'], 2)) return bad('density', 'an object with an integer res ≥ 2 and its logDensity');
  const res = density['res'];
  const logDensity = floats(density['logDensity'], true);
  if (logDensity === null || logDensity.length !== res * res) return bad('density.logDensity', `res² = ${res * res} numbers (null where not finite)`);
  return E.right({
    iteration: json['iteration'],
    sampler: { spec: sampler['spec'] as unknown as SamplerSpec, steps: sampler['steps'], n: sampler['n'], seed: sampler['seed'] },
    bounds: bounds as unknown as Bounds,
    samples,
    data,
    density: { res, logDensity },
  });
}

/** True when the page's sampler settings are those the stored samples were drawn with (then they are the draw the worker will make). */
export function sameSampler(a: FirstSight['sampler'], b: FirstSight['sampler']): boolean {
  return a.steps === b.steps && a.n === b.n && a.seed === b.seed && JSON.stringify(a.spec) === JSON.stringify(b.spec);
}

/** The first-sight file of a pretrained checkpoint file (`heart.bin` → `heart.sight.json`). */
export function firstSightFile(checkpointFile: string): string {
  return checkpointFile.replace(/\.bin$/, '') + '.sight.json';
}
