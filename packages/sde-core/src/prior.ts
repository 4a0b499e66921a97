import * as tf from '@tensorflow/tfjs-core';
import { rowNormals } from './noise.js';

/**
 * The law p_T an SDE reaches at T: where the backward process starts, and the terminal term
 * −log p_T(x_N) of the trajectory KL, the negative ELBO and the ODE NLL.
 */
export interface Prior {
  /** What this prior is, e.g. 'N(0, I)'. */
  readonly name: string;
  /**
   * Rows [start, end) of n prior draws of per-sample shape `dims`. Row r is keyed
   * (seed, 'sample/prior', iteration = r, step = 0) alone, so any split of the rows gives the same
   * draw (use sde-core's `rowNormals`).
   * @returns [end − start, ...dims]
   */
  sample(rows: readonly [number, number], dims: readonly number[], seed: number): tf.Tensor;
  /**
   * log p_T(x) per row, differentiable in x.
   * @param x [B, ...D] @returns [B]
   */
  logDensity(x: tf.Tensor): tf.Tensor1D;
}

/** The NoiseKey purpose of prior draws (row r: iteration r, step 0). */
export const priorNoisePurpose = 'sample/prior';

/**
 * N(0, σ² I): the prior of DiffFlow, VP and sub-VP (σ = 1) and of VE (σ = σ_max).
 *   log p(x) = −‖x‖²/(2σ²) − D log σ − (D/2) log 2π
 * @example gaussianPrior(1).logDensity(tf.zeros([1, 2])) // [−log 2π]
 */
export function gaussianPrior(std = 1): Prior {
  if (!Number.isFinite(std) || std <= 0) throw new RangeError(`gaussianPrior: std must be a finite number > 0, got ${std}`);
  return Object.freeze({
    name: std === 1 ? 'N(0, I)' : `N(0, ${std}² I)`,
    sample: (rows: readonly [number, number], dims: readonly number[], seed: number): tf.Tensor => {
      const [start, end] = rows;
      if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start)) {
        throw new RangeError(`gaussianPrior.sample: rows must be integers with 0 ≤ start < end, got [${start}, ${end})`);
      }
      const d = dims.reduce((a, b) => a * b, 1);
      const z = rowNormals(seed, priorNoisePurpose, rows, d, 0);
      if (std !== 1) for (let i = 0; i < z.length; i++) z[i] = (z[i] as number) * std;
      return tf.tensor(z, [end - start, ...dims], 'float32');
    },
    logDensity: (x: tf.Tensor): tf.Tensor1D =>
      tf.tidy(() => {
        const d = x.shape.slice(1).reduce((a, b) => a * b, 1);
        const sq = tf.sum(tf.reshape(tf.square(x), [x.shape[0] as number, -1]), 1);
        return tf.sub(tf.mul(sq, -0.5 / (std * std)), d * (Math.log(std) + 0.5 * Math.log(2 * Math.PI))) as tf.Tensor1D;
      }),
  });
}

/** N(0, I). */
export const standardNormalPrior: Prior = gaussianPrior(1);
