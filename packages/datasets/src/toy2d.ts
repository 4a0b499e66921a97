/**
 * Two-dimensional toy distributions: samplers, component labels and known supports.
 *
 * Every sampler returns points in the dataset's own coordinates (before any normalisation, see
 * `fitNormalizer`), row-major [n, 2]. Randomness comes only from sde-core's replayable keys:
 * uniforms from (seed, 'toy2d/<name>', iteration, step 0) and normals from step 1, a fixed number
 * per point, so a draw of n points is a prefix of a draw of m > n points with the same key.
 *
 * | name         | definition (dataset coordinates)                                                   | source          |
 * |--------------|------------------------------------------------------------------------------------|-----------------|
 * | checkerboard | x1 ~ U[−2,2), x2 = U[0,1) − 2·Bernoulli(½) + (⌊x1⌋ mod 2), both × 2: 8 squares of side 2 on [−4,4]² | FFJORD, DiffFlow |
 * | 8gaussians   | centres 4·(cos kπ/4, sin kπ/4), σ = 0.5, all ÷ 1.414                                  | FFJORD, DiffFlow |
 * | 2spirals     | n = √U·3π, arm (−n cos n + U/2, n sin n + U/2), second arm negated, ÷ 3, + N(0, 0.1²) | FFJORD, DiffFlow |
 * | swissroll    | t = 1.5π(1 + 2U), (t cos t, t sin t) + N(0, 0.01²)                                   | DiffFlow (noise 0.01) |
 * | moons        | θ ~ U[0,π): (cos θ, sin θ) or (1 − cos θ, ½ − sin θ), + N(0, 0.01²)                   | DiffFlow (noise 0.01) |
 * | circles      | radius 3 or 1.5 (½ each), angle ~ U[0,2π), + N(0, 0.24²)                              | FFJORD          |
 * | olympic      | 5 unit rings, radius ~ N(1, 0.001²), centres (±1.75, 0.75), (0, 0.75), (±1.05, −0.75) | paper Fig. 4, centres of the reference code |
 * | fourrings    | the Olympic rings without the top-left one: centres (0, 0.75), (1.75, 0.75), (±1.05, −0.75) | reference code's "four" |
 * | pinwheel     | 5 arms: r ~ N(1, 0.3²), s ~ N(0, 0.1²), rotated by 2πk/5 + ¼·eᴿ, × 2                  | FFJORD          |
 * | sierpinski   | uniform on the level-4 Sierpinski carpet over [−1, 1]²                                 | the carpet's definition |
 *
 * Deliberate departures from the reference code (github.com/qsh-zh/DiffFlow, datasets/points_dataset.py):
 * mixture components are drawn i.i.d. per point (the reference uses equal counts, and sklearn's
 * moons use evenly spaced angles), so every dataset is an i.i.d. sample of a fixed density; ring
 * radii follow the paper's N(1, 0.001²) (the code adds isotropic noise 0.01·√0.2 instead); the
 * Sierpinski carpet is sampled from its formula rather than from a JPEG.
 */
import * as E from 'fp-ts/lib/Either.js';
import { replayableNormals, replayableUniforms } from '@diffflow/sde-core';
import { datasetError, type DatasetError } from './errors.js';

/** The toy datasets, in the order of the table above. */
export const toyNames = [
  'checkerboard',
  '8gaussians',
  '2spirals',
  'swissroll',
  'moons',
  'circles',
  'olympic',
  'fourrings',
  'pinwheel',
  'sierpinski',
] as const;

/** One of `toyNames`. */
export type ToyName = (typeof toyNames)[number];

/** The seed and iteration a toy sample is drawn from (purpose and step are fixed per dataset). */
export interface ToyKey {
  readonly seed: number;
  readonly iteration: number;
}

/** Guard: `s` is one of `toyNames`. */
export function isToyName(s: string): s is ToyName {
  return (toyNames as readonly string[]).includes(s);
}

/** Decodes an untrusted name (a CLI flag, a config field): Right(name) or UnknownDataset listing `toyNames`. */
export function decodeToyName(s: string): E.Either<DatasetError, ToyName> {
  return isToyName(s) ? E.right(s) : E.left(datasetError.unknownDataset(s, toyNames));
}

function checkName(name: string, fn: string): asserts name is ToyName {
  if (!isToyName(name)) throw new RangeError(`${fn}: unknown toy dataset '${name}'; allowed: ${toyNames.join(', ')}`);
}

function checkPoints(points: Float32Array | Float64Array, fn: string): number {
  if (points.length % 2 !== 0) throw new RangeError(`${fn}: points must be [n, 2] row-major; got length ${points.length}`);
  return points.length / 2;
}

// ---------------------------------------------------------------------------------------------
// Geometry of each dataset
// ---------------------------------------------------------------------------------------------

const SQRT1_2 = Math.SQRT1_2;
/** 8gaussians: unit directions in the reference's order, scaled by 4, all divided by 1.414. */
const GAUSS8_CENTRES: readonly (readonly [number, number])[] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [SQRT1_2, SQRT1_2],
  [SQRT1_2, -SQRT1_2],
  [-SQRT1_2, SQRT1_2],
  [-SQRT1_2, -SQRT1_2],
].map(([x, y]) => [(4 * x!) / 1.414, (4 * y!) / 1.414] as const);
const GAUSS8_STD = 0.5 / 1.414;

const RING_RADIUS = 1;
const RING_STD = 0.001;
/** Olympic ring centres: (±3.5, 1.5), (0, 1.5), (±2.1, −1.5), halved (reference code). */
const OLYMPIC_CENTRES: readonly (readonly [number, number])[] = [
  [-1.75, 0.75],
  [0, 0.75],
  [1.75, 0.75],
  [-1.05, -0.75],
  [1.05, -0.75],
];
/** Four rings: the reference code's layout, the Olympic rings without the top-left ring. */
const FOUR_CENTRES: readonly (readonly [number, number])[] = OLYMPIC_CENTRES.slice(1);

const SWISS_NOISE = 0.01;
const SWISS_TMIN = 1.5 * Math.PI;
const SWISS_TMAX = 4.5 * Math.PI;

const MOONS_NOISE = 0.01;

const CIRCLE_RADII = [3, 1.5] as const;
const CIRCLES_STD = 0.08 * 3;

const PINWHEEL_ARMS = 5;
const PINWHEEL_RADIAL_STD = 0.3;
const PINWHEEL_TANGENTIAL_STD = 0.1;
const PINWHEEL_RATE = 0.25;

/** Level of the Sierpinski carpet: 8⁴ = 4096 cells of side 2/81 on [−1, 1]². */
export const SIERPINSKI_LEVEL = 4;

/** Uniforms and normals consumed per point by each sampler (fixed, so samples are prefix-stable). */
const DRAWS: Record<ToyName, { readonly u: number; readonly z: number }> = {
  checkerboard: { u: 3, z: 0 },
  '8gaussians': { u: 1, z: 2 },
  '2spirals': { u: 4, z: 2 },
  swissroll: { u: 1, z: 2 },
  moons: { u: 2, z: 2 },
  circles: { u: 2, z: 2 },
  olympic: { u: 2, z: 1 },
  fourrings: { u: 2, z: 1 },
  pinwheel: { u: 1, z: 2 },
  sierpinski: { u: 2 + SIERPINSKI_LEVEL, z: 0 },
};

/** Index in [0, k) from a uniform in [0, 1). */
function pick(u: number, k: number): number {
  return Math.min(k - 1, Math.floor(u * k));
}

/**
 * Draws n points of a toy distribution, x ∈ ℝ², in the dataset's own coordinates.
 * @param name one of `toyNames`
 * @param n number of points (integer ≥ 0)
 * @param key seed and iteration; the same key always gives the same points
 * @returns [n, 2] row-major Float32Array
 */
export function sampleToy(name: ToyName, n: number, key: ToyKey): Float32Array {
  checkName(name, 'sampleToy');
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sampleToy: n must be an integer ≥ 0; got ${n}`);
  const { u: nu, z: nz } = DRAWS[name];
  const purpose = `toy2d/${name}`;
  const U = replayableUniforms(n * nu, { seed: key.seed, purpose, iteration: key.iteration, step: 0 });
  const Z = replayableNormals(n * nz, { seed: key.seed, purpose, iteration: key.iteration, step: 1 });
  const out = new Float32Array(2 * n);
  const u = (i: number, j: number): number => U[i * nu + j]!;
  const z = (i: number, j: number): number => Z[i * nz + j]!;
  for (let i = 0; i < n; i++) {
    let x = 0;
    let y = 0;
    switch (name) {
      case 'checkerboard': {
        const x1 = u(i, 0) * 4 - 2;
        const x2 = u(i, 1) - (u(i, 2) < 0.5 ? 0 : 2) + (((Math.floor(x1) % 2) + 2) % 2);
        x = 2 * x1;
        y = 2 * x2;
        break;
      }
      case '8gaussians': {
        const c = GAUSS8_CENTRES[pick(u(i, 0), 8)]!;
        x = c[0] + GAUSS8_STD * z(i, 0);
        y = c[1] + GAUSS8_STD * z(i, 1);
        break;
      }
      case '2spirals': {
        const t = Math.sqrt(u(i, 0)) * 3 * Math.PI; // 540° in radians
        const sign = u(i, 1) < 0.5 ? 1 : -1;
        const ax = -Math.cos(t) * t + 0.5 * u(i, 2);
        const ay = Math.sin(t) * t + 0.5 * u(i, 3);
        x = (sign * ax) / 3 + 0.1 * z(i, 0);
        y = (sign * ay) / 3 + 0.1 * z(i, 1);
        break;
      }
      case 'swissroll': {
        const t = SWISS_TMIN + (SWISS_TMAX - SWISS_TMIN) * u(i, 0);
        x = t * Math.cos(t) + SWISS_NOISE * z(i, 0);
        y = t * Math.sin(t) + SWISS_NOISE * z(i, 1);
        break;
      }
      case 'moons': {
        const th = Math.PI * u(i, 0);
        const outer = u(i, 1) < 0.5;
        x = (outer ? Math.cos(th) : 1 - Math.cos(th)) + MOONS_NOISE * z(i, 0);
        y = (outer ? Math.sin(th) : 0.5 - Math.sin(th)) + MOONS_NOISE * z(i, 1);
        break;
      }
      case 'circles': {
        const r = CIRCLE_RADII[pick(u(i, 0), 2)]!;
        const th = 2 * Math.PI * u(i, 1);
        x = r * Math.cos(th) + CIRCLES_STD * z(i, 0);
        y = r * Math.sin(th) + CIRCLES_STD * z(i, 1);
        break;
      }
      case 'olympic':
      case 'fourrings': {
        const centres = name === 'olympic' ? OLYMPIC_CENTRES : FOUR_CENTRES;
        const c = centres[pick(u(i, 0), centres.length)]!;
        const th = 2 * Math.PI * u(i, 1);
        const r = RING_RADIUS + RING_STD * z(i, 0);
        x = c[0] + r * Math.cos(th);
        y = c[1] + r * Math.sin(th);
        break;
      }
      case 'pinwheel': {
        const k = pick(u(i, 0), PINWHEEL_ARMS);
        const radial = 1 + PINWHEEL_RADIAL_STD * z(i, 0);
        const tangential = PINWHEEL_TANGENTIAL_STD * z(i, 1);
        const a = (2 * Math.PI * k) / PINWHEEL_ARMS + PINWHEEL_RATE * Math.exp(radial);
        const ca = Math.cos(a);
        const sa = Math.sin(a);
        x = 2 * (radial * ca - tangential * sa);
        y = 2 * (radial * sa + tangential * ca);
        break;
      }
      case 'sierpinski': {
        // Descend SIERPINSKI_LEVEL times into one of the 8 non-central thirds, then uniform in the cell.
        let cx = 0;
        let cy = 0;
        let side = 1;
        for (let l = 0; l < SIERPINSKI_LEVEL; l++) {
          let cell = pick(u(i, 2 + l), 8);
          if (cell >= 4) cell += 1; // skip the centre (cell 4 of the 3 × 3 grid)
          side /= 3;
          cx += (cell % 3) * side;
          cy += Math.floor(cell / 3) * side;
        }
        x = 2 * (cx + side * u(i, 0)) - 1;
        y = 2 * (cy + side * u(i, 1)) - 1;
        break;
      }
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

/** Checkerboard square 0…7 containing (x, y) (row-major from the bottom), or −1 in a white square or outside. */
function checkerSquare(x: number, y: number): number {
  if (!(x >= -4 && x < 4 && y >= -4 && y < 4)) return -1;
  const col = Math.floor(x / 2) + 2;
  const row = Math.floor(y / 2) + 2;
  if ((col + row) % 2 !== 0) return -1;
  return row * 2 + (col >> 1);
}

/** Sierpinski: index 0…7 of the level-1 cell holding (x, y) when it lies on the carpet, else −1. */
function sierpinskiCell(x: number, y: number): number {
  let a = (x + 1) / 2;
  let b = (y + 1) / 2;
  if (!(a >= 0 && a <= 1 && b >= 0 && b <= 1)) return -1;
  let first = -1;
  for (let l = 0; l < SIERPINSKI_LEVEL; l++) {
    const i = Math.min(2, Math.floor(a * 3));
    const j = Math.min(2, Math.floor(b * 3));
    if (i === 1 && j === 1) return -1;
    if (l === 0) {
      const cell = j * 3 + i;
      first = cell > 4 ? cell - 1 : cell;
    }
    a = a * 3 - i;
    b = b * 3 - j;
  }
  return first;
}

function nearestRing(x: number, y: number, centres: readonly (readonly [number, number])[]): number {
  let best = 0;
  let bestD = Infinity;
  centres.forEach(([cx, cy], k) => {
    const d = Math.abs(Math.hypot(x - cx, y - cy) - RING_RADIUS);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  });
  return best;
}

/** Distance from (x, y) to the arc of radius 1 about (cx, cy) spanning angles [a0, a0 + π]. */
function halfCircleDistance(x: number, y: number, cx: number, cy: number, upper: boolean): number {
  const dx = x - cx;
  const dy = y - cy;
  if (upper ? dy >= 0 : dy <= 0) return Math.abs(Math.hypot(dx, dy) - 1);
  return Math.min(Math.hypot(dx - 1, dy), Math.hypot(dx + 1, dy));
}

function moonsDistances(x: number, y: number): [number, number] {
  return [halfCircleDistance(x, y, 0, 0, true), halfCircleDistance(x, y, 1, 0.5, false)];
}

/** 2spirals: centre line of arm 0, (−t cos t + ¼, t sin t + ¼)/3 for t ∈ [0, 3π], sampled. */
const SPIRAL_LINE: Float64Array = (() => {
  const m = 600;
  const line = new Float64Array(2 * m);
  for (let k = 0; k < m; k++) {
    const t = (3 * Math.PI * k) / (m - 1);
    line[2 * k] = (-Math.cos(t) * t + 0.25) / 3;
    line[2 * k + 1] = (Math.sin(t) * t + 0.25) / 3;
  }
  return line;
})();

function spiralArm(x: number, y: number): number {
  let d0 = Infinity;
  let d1 = Infinity;
  for (let k = 0; k < SPIRAL_LINE.length; k += 2) {
    const lx = SPIRAL_LINE[k]!;
    const ly = SPIRAL_LINE[k + 1]!;
    d0 = Math.min(d0, (x - lx) ** 2 + (y - ly) ** 2);
    d1 = Math.min(d1, (x + lx) ** 2 + (y + ly) ** 2);
  }
  return d0 <= d1 ? 0 : 1;
}

function pinwheelArm(x: number, y: number): number {
  const r = Math.hypot(x, y) / 2;
  const offset = PINWHEEL_RATE * Math.exp(r); // the rotation a point at this radius received
  const a = Math.atan2(y, x) - offset;
  const k = Math.round(a / ((2 * Math.PI) / PINWHEEL_ARMS));
  return ((k % PINWHEEL_ARMS) + PINWHEEL_ARMS) % PINWHEEL_ARMS;
}

/**
 * The mixture component of each point, for coloured plots: ring index (olympic, fourrings: the
 * ring whose radius the point is closest to), square index 0…7 (checkerboard; −1 off the
 * squares), level-1 cell 0…7 (sierpinski; −1 off the carpet), nearest centre (8gaussians), arm
 * (2spirals, pinwheel), moon or circle index (moons, circles); 0 for swissroll (one component).
 * @param points [n, 2] row-major, in the dataset's own coordinates
 * @returns [n] Int32Array of component ids
 */
export function toyLabels(name: ToyName, points: Float32Array | Float64Array): Int32Array {
  checkName(name, 'toyLabels');
  const n = checkPoints(points, 'toyLabels');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    switch (name) {
      case 'checkerboard':
        out[i] = checkerSquare(x, y);
        break;
      case 'sierpinski':
        out[i] = sierpinskiCell(x, y);
        break;
      case '8gaussians': {
        let best = 0;
        let bestD = Infinity;
        GAUSS8_CENTRES.forEach(([cx, cy], k) => {
          const d = (x - cx) ** 2 + (y - cy) ** 2;
          if (d < bestD) {
            bestD = d;
            best = k;
          }
        });
        out[i] = best;
        break;
      }
      case '2spirals':
        out[i] = spiralArm(x, y);
        break;
      case 'swissroll':
        out[i] = 0;
        break;
      case 'moons': {
        const [a, b] = moonsDistances(x, y);
        out[i] = a <= b ? 0 : 1;
        break;
      }
      case 'circles': {
        const r = Math.hypot(x, y);
        out[i] = Math.abs(r - CIRCLE_RADII[0]) <= Math.abs(r - CIRCLE_RADII[1]) ? 0 : 1;
        break;
      }
      case 'olympic':
        out[i] = nearestRing(x, y, OLYMPIC_CENTRES);
        break;
      case 'fourrings':
        out[i] = nearestRing(x, y, FOUR_CENTRES);
        break;
      case 'pinwheel':
        out[i] = pinwheelArm(x, y);
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Supports
// ---------------------------------------------------------------------------------------------

/**
 * Datasets whose support is known, with the default tolerance (distance in dataset coordinates):
 * exact for the sets with a compact support, 4σ of the noise for the noisy ones.
 */
export const toySupportTolerance = {
  checkerboard: 0,
  sierpinski: 0,
  olympic: 4 * RING_STD,
  fourrings: 4 * RING_STD,
  circles: 4 * CIRCLES_STD,
  moons: 4 * MOONS_NOISE,
  '8gaussians': 4 * GAUSS8_STD,
  swissroll: 4 * SWISS_NOISE,
} as const satisfies Partial<Record<ToyName, number>>;

/** A toy dataset with a known support (a key of `toySupportTolerance`). */
export type ToyWithSupport = keyof typeof toySupportTolerance;

/** Guard: `name` has a known support (2spirals and pinwheel do not: their noise has no bounded scale). */
export function hasKnownSupport(name: ToyName): name is ToyWithSupport {
  return Object.prototype.hasOwnProperty.call(toySupportTolerance, name);
}

/** Distance from (x, y) to the box [x0, x0 + s] × [y0, y0 + s]. */
function boxDistance(x: number, y: number, x0: number, y0: number, s: number): number {
  const dx = Math.max(x0 - x, 0, x - (x0 + s));
  const dy = Math.max(y0 - y, 0, y - (y0 + s));
  return Math.hypot(dx, dy);
}

function checkerDistance(x: number, y: number): number {
  if (checkerSquare(x, y) >= 0) return 0;
  let best = Infinity;
  for (let row = 0; row < 4; row++) {
    for (let col = row % 2; col < 4; col += 2) best = Math.min(best, boxDistance(x, y, 2 * col - 4, 2 * row - 4, 2));
  }
  return best;
}

/** Is (x, y) within `tol` of the level-L carpet? Branch and bound over the carpet's cells. */
function nearCarpet(x: number, y: number, x0: number, y0: number, side: number, level: number, tol: number): boolean {
  if (boxDistance(x, y, x0, y0, side) > tol) return false;
  if (level === 0) return true;
  const s = side / 3;
  for (let c = 0; c < 9; c++) {
    if (c === 4) continue;
    if (nearCarpet(x, y, x0 + (c % 3) * s, y0 + Math.floor(c / 3) * s, s, level - 1, tol)) return true;
  }
  return false;
}

/** Distance from p to the swiss-roll curve c(t) = (t cos t, t sin t), t ∈ [1.5π, 4.5π]. */
function swissDistance(x: number, y: number): number {
  const dist2 = (t: number): number => (x - t * Math.cos(t)) ** 2 + (y - t * Math.sin(t)) ** 2;
  let best = Math.min(dist2(SWISS_TMIN), dist2(SWISS_TMAX));
  const phi = Math.atan2(y, x);
  // Candidates where the curve crosses the ray through p, refined by Newton's method on |p − c(t)|².
  for (let k = -1; k <= 3; k++) {
    let t = phi + 2 * Math.PI * k;
    if (t < SWISS_TMIN - Math.PI || t > SWISS_TMAX + Math.PI) continue;
    t = Math.min(SWISS_TMAX, Math.max(SWISS_TMIN, t));
    for (let it = 0; it < 20; it++) {
      const c = Math.cos(t);
      const s = Math.sin(t);
      const ex = x - t * c;
      const ey = y - t * s;
      const d1x = c - t * s; // c'(t)
      const d1y = s + t * c;
      const d2x = -2 * s - t * c; // c''(t)
      const d2y = 2 * c - t * s;
      const g = -(ex * d1x + ey * d1y);
      const h = d1x * d1x + d1y * d1y - (ex * d2x + ey * d2y);
      if (!(h > 0)) break;
      const next = Math.min(SWISS_TMAX, Math.max(SWISS_TMIN, t - g / h));
      if (Math.abs(next - t) < 1e-12) break;
      t = next;
    }
    best = Math.min(best, dist2(t));
  }
  return Math.sqrt(best);
}

function supportDistance(name: ToyWithSupport, x: number, y: number): number {
  switch (name) {
    case 'checkerboard':
      return checkerDistance(x, y);
    case 'olympic':
    case 'fourrings': {
      const centres = name === 'olympic' ? OLYMPIC_CENTRES : FOUR_CENTRES;
      let best = Infinity;
      for (const [cx, cy] of centres) best = Math.min(best, Math.abs(Math.hypot(x - cx, y - cy) - RING_RADIUS));
      return best;
    }
    case 'circles': {
      const r = Math.hypot(x, y);
      return Math.min(Math.abs(r - CIRCLE_RADII[0]), Math.abs(r - CIRCLE_RADII[1]));
    }
    case 'moons':
      return Math.min(...moonsDistances(x, y));
    case '8gaussians': {
      let best = Infinity;
      for (const [cx, cy] of GAUSS8_CENTRES) best = Math.min(best, Math.hypot(x - cx, y - cy));
      return best;
    }
    case 'swissroll':
      return swissDistance(x, y);
    case 'sierpinski':
      throw new Error('unreachable: the carpet uses nearCarpet');
  }
}

/**
 * Which points lie within `tolerance` of the dataset's support S: 1[dist(x, S) ≤ tolerance].
 * For the noisy sets S is the noise-free curve or centre set (rings: radius 1 about each centre;
 * circles: radii 3 and 1.5; moons: the two half circles; 8gaussians: the centres; swissroll: the
 * spiral), so the default tolerance of 4σ keeps ≥ 99.9 % of true samples inside.
 * @param points [n, 2] row-major, in the dataset's own coordinates (denormalise model samples first)
 * @param tolerance distance in dataset coordinates; default `toySupportTolerance[name]`
 * @returns [n] Uint8Array of 0/1
 */
export function supportMask(name: ToyName, points: Float32Array | Float64Array, tolerance?: number): Uint8Array {
  checkName(name, 'supportMask');
  if (!hasKnownSupport(name)) {
    throw new RangeError(
      `supportMask: '${name}' has no known support; allowed: ${Object.keys(toySupportTolerance).join(', ')}`,
    );
  }
  const tol = tolerance ?? toySupportTolerance[name];
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new RangeError(`supportMask: tolerance must be finite and ≥ 0; got ${tolerance}`);
  const n = checkPoints(points, 'supportMask');
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const inside = name === 'sierpinski' ? nearCarpet(x, y, -1, -1, 2, SIERPINSKI_LEVEL, tol) : supportDistance(name, x, y) <= tol;
    out[i] = inside ? 1 : 0;
  }
  return out;
}

/**
 * Fraction of points within `tolerance` of the support: (1/n) Σᵢ 1[dist(xᵢ, S) ≤ tolerance] — a
 * sharpness measure for model samples (≈ 1 for samples of the true distribution).
 * @param points [n, 2] row-major, dataset coordinates; n ≥ 1
 * @returns the fraction in [0, 1]
 */
export function insideSupport(name: ToyName, points: Float32Array | Float64Array, tolerance?: number): number {
  const mask = supportMask(name, points, tolerance);
  if (mask.length === 0) throw new RangeError('insideSupport: points must hold at least one point');
  let k = 0;
  for (const v of mask) k += v;
  return k / mask.length;
}

// The empirical 2-D distribution (a point cloud with Gaussian jitter), beside the toys on this entry.
export { POINT_CLOUD_PURPOSE, pointCloud, decodePointCloud, pointCloudSize, samplePointCloud, pointCloudLogDensity } from './toy2d_points.js';
export type { PointCloud } from './toy2d_points.js';
