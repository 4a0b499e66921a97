/**
 * The data side of the tabular experiment: loading a dataset (MAF release / .npy splits, or the
 * synthetic mixture), the per-coordinate standardisation the model sees, replayable training
 * batches (seeded row subsets and row gathers: datasets' `seededRows`, `gatherRows`).
 *
 * Coordinates. The MAF loaders already apply the release's preprocessing, which standardises
 * POWER, GAS, HEPMASS and MINIBOONE (with train ∪ validation, all-row or train statistics) but
 * leaves BSDS300 as stored (pixel-patch values with a small spread). The model always sees
 * y = (x − μ)/σ with μ, σ the mean and population std of the *train* split (for the four
 * standardised sets this is nearly the identity; for BSDS300 and the synthetic mixture it is not).
 * Every NLL is reported in the dataset's own coordinates x:
 *   −log p_x(x) = −log p_y(y) − log|det ∂y/∂x| = −log p_y(y) + Σ_j log σ_j.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { deriveSeed } from '@diffflow/sde-core';
import { epochBatchRows, gatherRows, loadTabular, seededPermutation, standardize, syntheticMixture, type DatasetError, type Matrix, type Standardizer, type TabularDataset } from '@diffflow/datasets';
import type { TabularDatasetName } from './config.js';

/** A loaded dataset; for 'synthetic' also its true density. */
export interface TabularData {
  readonly dataset: TabularDataset;
  /** log p(x) of the true density (synthetic only). */
  readonly logDensity?: (x: Float32Array | Float64Array) => Float64Array;
  /** The exact test NLL of the true density and its entropy (synthetic only). */
  readonly truth?: { readonly testNll: number; readonly entropy: number; readonly entropyStandardError: number };
}

/**
 * Loads a dataset by name: 'synthetic' is generated (seed 0, the package's fixed splits); the MAF
 * names read the release files or `.npy` splits under `root` (`loadTabular`, source 'auto').
 * A missing or bad file is the datasets package's `DatasetError`.
 */
export function loadTabularData(name: TabularDatasetName, root: string): TE.TaskEither<DatasetError, TabularData> {
  if (name === 'synthetic') {
    return TE.fromIO(() => {
      const s = syntheticMixture(0);
      return {
        dataset: s,
        logDensity: s.logDensity,
        truth: { testNll: s.testNll, entropy: s.entropy.estimate, entropyStandardError: s.entropy.standardError },
      };
    });
  }
  return TE.map((dataset: TabularDataset) => ({ dataset }))(loadTabular(name, { root }));
}

/**
 * Training batches: epoch e is a seeded permutation of the train rows (key (seed, 'tabular/epoch/e')),
 * read in order; batch `it` is rows it·B … it·B + B − 1 of the concatenated epochs (datasets'
 * `epochBatchRows`). So every epoch sees every row once, and a batch depends only on (seed,
 * iteration): runs replay and resume exactly.
 */
export function batchSampler(train: Matrix, standardizer: Standardizer, seed: number, batch: number): (iteration: number) => tf.Tensor2D {
  const permutationOf = (epoch: number): Int32Array => seededPermutation(train.rows, deriveSeed({ seed, purpose: 'tabular/epoch', iteration: epoch, step: 0 }), 'tabular/epoch');
  const rows = epochBatchRows(train.rows, batch, permutationOf);
  return (iteration) => tf.tensor2d(standardize(standardizer, gatherRows(train, rows(iteration))), [batch, train.cols]);
}
