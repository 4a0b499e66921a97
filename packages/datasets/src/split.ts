/**
 * Deterministic splits: a seeded permutation of the row indices, cut into a training part and a
 * held-out part. The permutation comes from sde-core's replayable uniforms for the key
 * (seed, 'split', 0, 0), so the same seed gives the same split on every machine.
 */
import { uniformGenerator } from '@diffflow/sde-core';

/**
 * A uniformly random permutation of 0…n−1 (Fisher–Yates on the key's uniforms).
 * @param n number of items (integer ≥ 0)
 * @returns [n] Int32Array
 */
export function seededPermutation(n: number, seed: number, purpose = 'split'): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`seededPermutation: n must be an integer ≥ 0; got ${n}`);
  const next = uniformGenerator({ seed, purpose, iteration: 0, step: 0 });
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(next() * (i + 1)));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/**
 * A seeded subset of `k` of `n` rows (all rows, in order, when k ≥ n), in increasing order: the
 * first k of {@link seededPermutation}(n, seed, purpose).
 */
export function seededRows(n: number, k: number, seed: number, purpose: string): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return seededPermutation(n, seed, purpose).slice(0, k).sort();
}

/** Indices of a train / held-out split. */
export interface SplitIndices {
  /** Sorted ascending. */
  readonly train: Int32Array;
  /** Sorted ascending. */
  readonly heldOut: Int32Array;
}

/**
 * Splits 0…n−1 into a training part and a held-out part of size k, chosen by a seeded permutation:
 * heldOut = sort(perm[0:k]), train = sort(perm[k:n]).
 * @param options.heldOut k as a count (integer in [0, n]) or a fraction in (0, 1) (k = round(fraction · n))
 */
export function splitIndices(n: number, options: { readonly heldOut: number; readonly seed: number }): SplitIndices {
  const { heldOut, seed } = options;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`splitIndices: n must be an integer ≥ 0; got ${n}`);
  const k = heldOut > 0 && heldOut < 1 ? Math.round(heldOut * n) : heldOut;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`splitIndices: heldOut must be a count in [0, ${n}] or a fraction in (0, 1); got ${heldOut}`);
  }
  const perm = seededPermutation(n, seed);
  return {
    heldOut: perm.slice(0, k).sort(),
    train: perm.slice(k).sort(),
  };
}
