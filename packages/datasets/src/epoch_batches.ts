/**
 * Training batches as shuffled epochs: epoch e visits the n rows in the order of a seeded
 * permutation, and batch k takes rows k·B … k·B + B − 1 of the epochs laid end to end (wrapping
 * into the next epoch). So every epoch sees every row once, and a batch depends only on its
 * iteration and the permutations' keys: a run replays and resumes exactly.
 */

/**
 * The row indices of each training batch, for any iteration in any order.
 * @param n rows of the training set (integer ≥ 1)
 * @param batch rows per batch B (integer ≥ 1)
 * @param permutationOf epoch e's order of 0 … n − 1 (e.g. datasets' `seededPermutation` under a key naming e); called at most once per epoch visited in turn
 * @returns iteration → [B] row indices
 */
export function epochBatchRows(n: number, batch: number, permutationOf: (epoch: number) => Int32Array): (iteration: number) => Int32Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`epochBatchRows: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`epochBatchRows: batch must be an integer ≥ 1, got ${batch}`);
  // the epochs of the batch last asked for
  const cache = new Map<number, Int32Array>();
  const permutation = (epoch: number): Int32Array => {
    let p = cache.get(epoch);
    if (p === undefined) {
      p = permutationOf(epoch);
      if (p.length !== n) throw new RangeError(`epochBatchRows: permutationOf(${epoch}) must hold n = ${n} rows, got ${p.length}`);
      cache.set(epoch, p);
    }
    return p;
  };
  return (iteration) => {
    if (!Number.isInteger(iteration) || iteration < 0) throw new RangeError(`epochBatchRows: iteration must be an integer ≥ 0, got ${iteration}`);
    const [first, last] = [Math.floor((iteration * batch) / n), Math.floor((iteration * batch + batch - 1) / n)];
    for (const e of cache.keys()) if (e < first || e > last) cache.delete(e);
    const rows = new Int32Array(batch);
    for (let j = 0; j < batch; j++) {
      const k = iteration * batch + j;
      rows[j] = permutation(Math.floor(k / n))[k % n] as number;
    }
    return rows;
  };
}
