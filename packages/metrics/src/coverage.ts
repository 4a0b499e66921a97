/**
 * How a set of predicted labels spreads over the classes: a generator that covers every class
 * in equal measure has entropy log(classes); one that collapses onto a few classes has less.
 */
export interface ClassCoverage {
  /** Labels counted. */
  readonly n: number;
  /** counts[c] = #{k : labels[k] = c}, [classes]. */
  readonly counts: readonly number[];
  /** H = −Σ_c p_c log p_c of the empirical distribution p_c = counts[c]/n, in nats (0 log 0 = 0). */
  readonly entropy: number;
  /** H / log(classes) ∈ [0, 1]: 1 when every class has the same count. */
  readonly entropyFraction: number;
  /** Whether every class 0 … classes − 1 appears at least once. */
  readonly allClassesPresent: boolean;
  /** The classes that never appear, ascending. */
  readonly missing: readonly number[];
}

/**
 * Class coverage of predicted labels: the counts per class, the entropy of their distribution (in
 * nats and as a fraction of its maximum log(classes)) and which classes are missing.
 *
 * @param labels [n] class indices in 0 … classes − 1, n ≥ 1
 * @param classes number of classes (default 10), integer ≥ 2
 * @throws RangeError naming `labels` (empty, a value out of range) or `classes`
 */
export function classCoverage(labels: ArrayLike<number>, classes = 10): ClassCoverage {
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`classCoverage: classes must be an integer ≥ 2, got ${classes}`);
  const n = labels.length;
  if (n < 1) throw new RangeError('classCoverage: labels must hold at least one label');
  const counts = new Array<number>(classes).fill(0);
  for (let k = 0; k < n; k++) {
    const y = labels[k] as number;
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new RangeError(`classCoverage: labels[${k}] = ${y} is outside 0 … ${classes - 1}`);
    counts[y] = (counts[y] as number) + 1;
  }
  let entropy = 0;
  for (const c of counts) if (c > 0) entropy -= (c / n) * Math.log(c / n);
  const missing = counts.flatMap((c, i) => (c === 0 ? [i] : []));
  return { n, counts, entropy, entropyFraction: entropy / Math.log(classes), allClassesPresent: missing.length === 0, missing };
}
