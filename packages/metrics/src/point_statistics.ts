/**
 * Two-sample distances between model samples and held-out data, in plain float64 JavaScript (no
 * tensors, so nothing to leak and the same numbers on every backend).
 *
 * Points are [n, D] row-major. Both statistics are the unbiased U-statistic forms: the within-set
 * averages leave out the i = j pairs, so each estimate averages to the population value and may
 * dip slightly below 0 when the two distributions are equal.
 *
 * - Energy distance (Székely & Rizzo): E(X, Y) = 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖ ≥ 0, zero iff
 *   the laws agree (this is the squared form; √E is a metric).
 * - MMD² with a Gaussian (RBF) kernel k(a, b) = exp(−‖a − b‖² / (2ℓ²)) (Gretton et al. 2012):
 *   MMD² = E k(X, X') + E k(Y, Y') − 2 E k(X, Y). The bandwidth ℓ is passed in; the median
 *   heuristic (`medianPairwiseDistance`) picks it from a reference sample.
 */

function rows(points: ArrayLike<number>, dim: number, where: string, name: string, min: number): number {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${where}: dim must be an integer ≥ 1, got ${dim}`);
  if (points.length % dim !== 0) throw new RangeError(`${where}: ${name} must be [n, ${dim}] row-major, got length ${points.length}`);
  const n = points.length / dim;
  if (n < min) throw new RangeError(`${where}: ${name} must hold at least ${min} points, got ${n}`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i] as number)) throw new RangeError(`${where}: ${name} must be finite (index ${i} is ${points[i]})`);
  }
  return n;
}

function sqDist(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const v = (a[i * dim + d] as number) - (b[j * dim + d] as number);
    s += v * v;
  }
  return s;
}

/** Sums of ‖a_i − b_j‖ and of exp(−‖a_i − b_j‖²/(2ℓ²)) for each ℓ over pairs (i ≠ j when `within`). */
function pairSums(
  a: ArrayLike<number>,
  na: number,
  b: ArrayLike<number>,
  nb: number,
  dim: number,
  within: boolean,
  bandwidths: readonly number[],
): { dist: number; kernel: number[]; pairs: number } {
  const c = bandwidths.map((l) => 1 / (2 * l * l));
  const kernel = bandwidths.map(() => 0);
  let dist = 0;
  for (let i = 0; i < na; i++) {
    // within a set each unordered pair is visited once and counted twice
    for (let j = within ? i + 1 : 0; j < nb; j++) {
      const s = sqDist(a, i, b, j, dim);
      dist += Math.sqrt(s);
      for (let k = 0; k < c.length; k++) kernel[k]! += Math.exp(-s * (c[k] as number));
    }
  }
  const factor = within ? 2 : 1;
  return { dist: factor * dist, kernel: kernel.map((v) => factor * v), pairs: within ? na * (na - 1) : na * nb };
}

/**
 * The energy distance E(X, Y) = 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖ (unbiased: within-set means
 * over i ≠ j).
 * @param x [n, dim] row-major, n ≥ 2, finite
 * @param y [m, dim] row-major, m ≥ 2, finite
 */
export function energyDistance(x: ArrayLike<number>, y: ArrayLike<number>, dim: number): number {
  const where = 'energyDistance';
  const n = rows(x, dim, where, 'x', 2);
  const m = rows(y, dim, where, 'y', 2);
  const xy = pairSums(x, n, y, m, dim, false, []);
  const xx = pairSums(x, n, x, n, dim, true, []);
  const yy = pairSums(y, m, y, m, dim, true, []);
  return (2 * xy.dist) / xy.pairs - xx.dist / xx.pairs - yy.dist / yy.pairs;
}

/** Both two-sample statistics of one comparison (they share the pairwise distances). */
export interface TwoSample {
  /** Unbiased MMD² with the RBF kernel, one per bandwidth (same order). */
  readonly mmd2: readonly number[];
  /** Unbiased energy distance 2E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖. */
  readonly energy: number;
  readonly bandwidths: readonly number[];
}

/**
 * Unbiased MMD² with k(a, b) = exp(−‖a − b‖²/(2ℓ²)) for each bandwidth ℓ, and the energy
 * distance, in one pass over the pairs:
 *   MMD² = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j) − 2/(nm) Σ_{i,j} k(x_i, y_j).
 * @param x [n, dim], n ≥ 2  @param y [m, dim], m ≥ 2  @param bandwidths each ℓ > 0
 */
export function twoSample(x: ArrayLike<number>, y: ArrayLike<number>, dim: number, bandwidths: readonly number[]): TwoSample {
  const where = 'twoSample';
  for (const l of bandwidths) if (!(l > 0) || !Number.isFinite(l)) throw new RangeError(`${where}: bandwidth must be a finite number > 0, got ${l}`);
  const n = rows(x, dim, where, 'x', 2);
  const m = rows(y, dim, where, 'y', 2);
  const xy = pairSums(x, n, y, m, dim, false, bandwidths);
  const xx = pairSums(x, n, x, n, dim, true, bandwidths);
  const yy = pairSums(y, m, y, m, dim, true, bandwidths);
  return {
    mmd2: bandwidths.map((_, k) => (xx.kernel[k] as number) / xx.pairs + (yy.kernel[k] as number) / yy.pairs - (2 * (xy.kernel[k] as number)) / xy.pairs),
    energy: (2 * xy.dist) / xy.pairs - xx.dist / xx.pairs - yy.dist / yy.pairs,
    bandwidths: [...bandwidths],
  };
}

/** Unbiased MMD² with the RBF kernel of bandwidth ℓ (`twoSample` with one bandwidth). */
export function mmdRbf(x: ArrayLike<number>, y: ArrayLike<number>, dim: number, bandwidth: number): number {
  return twoSample(x, y, dim, [bandwidth]).mmd2[0] as number;
}

/**
 * The median heuristic's bandwidth: the median of ‖p_i − p_j‖ over the pairs i < j of (at most
 * `maxPoints` evenly strided rows of) `points` (mean of the two middle values for an even count).
 * @param points [n, dim], n ≥ 2
 */
export function medianPairwiseDistance(points: ArrayLike<number>, dim: number, maxPoints = 1000): number {
  const where = 'medianPairwiseDistance';
  const n = rows(points, dim, where, 'points', 2);
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new RangeError(`${where}: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  const k = Math.min(n, maxPoints);
  const pick = Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
  const d = new Float64Array((k * (k - 1)) / 2);
  let p = 0;
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) d[p++] = Math.sqrt(sqDist(points, pick[a] as number, points, pick[b] as number, dim));
  d.sort();
  const h = d.length >> 1;
  return d.length % 2 === 1 ? (d[h] as number) : ((d[h - 1] as number) + (d[h] as number)) / 2;
}

/**
 * Label purity of the k nearest neighbours: the mean over points of the fraction of its k nearest
 * other points (Euclidean) that carry its label. 1 when every label forms its own separated
 * cluster; Σ_c p_c² (the chance level) in expectation when positions carry no label information.
 * @param points [n, dim], n > k  @param labels [n]  @param k ≥ 1
 */
export function neighbourPurity(points: ArrayLike<number>, labels: ArrayLike<number>, dim: number, k = 5): number {
  const where = 'neighbourPurity';
  const n = rows(points, dim, where, 'points', 2);
  if (labels.length !== n) throw new RangeError(`${where}: labels must have one entry a point (${n}), got ${labels.length}`);
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new RangeError(`${where}: k must be an integer in [1, n − 1 = ${n - 1}], got ${k}`);
  const bestD = new Float64Array(k);
  const bestJ = new Int32Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    bestD.fill(Infinity);
    bestJ.fill(-1);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const s = sqDist(points, i, points, j, dim);
      if (s >= (bestD[k - 1] as number)) continue;
      // insertion into the sorted top-k list (ties keep the lower index)
      let p = k - 1;
      while (p > 0 && (bestD[p - 1] as number) > s) {
        bestD[p] = bestD[p - 1] as number;
        bestJ[p] = bestJ[p - 1] as number;
        p--;
      }
      bestD[p] = s;
      bestJ[p] = j;
    }
    let same = 0;
    for (let q = 0; q < k; q++) if (labels[bestJ[q] as number] === labels[i]) same++;
    total += same / k;
  }
  return total / n;
}

/** Σ_c p_c², the neighbour purity of labels that carry no information about position. */
export function chancePurity(labels: ArrayLike<number>): number {
  if (labels.length === 0) throw new RangeError('chancePurity: labels must not be empty');
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i] as number, (counts.get(labels[i] as number) ?? 0) + 1);
  let s = 0;
  for (const c of counts.values()) s += (c / labels.length) ** 2;
  return s;
}
