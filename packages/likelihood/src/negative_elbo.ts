import * as tf from '@tensorflow/tfjs-core';
import { checkSdeGrid, rowKeyedNoise, type ReplayableNoise, type TimeGrid, type DiffusionModel } from '@diffflow/sde-core';
import { trajectoryKl } from '@diffflow/losses';
import { checkData, checkInteger, checkModelShape, chunks, sizeOf, sliceRows } from './checks.js';

/** Options of {@link negativeElbo}. */
export interface NegativeElboOptions {
  /** Root seed of the forward noise; use one that training did not use. */
  readonly seed: number;
  /** K ≥ 1 forward-noise draws per data point, averaged (default 1). */
  readonly draws?: number;
  /** Rows per trajectory (default 512). */
  readonly batchSize?: number;
  /** Evaluation pass (e.g. a dequantisation repeat): a different pass draws different noise. Default 0. */
  readonly pass?: number;
}

/** The negative ELBO, averaged over the data and the K draws. */
export interface NegativeElboResult {
  /** Mean bound per sample, nats. */
  readonly nats: number;
  readonly natsPerDim: number;
  readonly bitsPerDim: number;
  /** The data mean of each draw (nats), in draw order. */
  readonly perDraw: readonly number[];
  /** Standard error of `nats` across the K draws: sd(perDraw)/√K (NaN when K = 1). */
  readonly standardError: number;
  readonly dim: number;
}

/**
 * The forward noise of draw k in pass p for rows [start, end): row r's δ^F_i is keyed
 * (seed, 'elbo/p/k', iteration = r, step = i), so the bound does not depend on `batchSize`.
 */
export function elboNoise(seed: number, pass: number, draw: number, rows: readonly [number, number]): ReplayableNoise {
  return rowKeyedNoise(seed, `elbo/${pass}/${draw}`, rows);
}

/**
 * The negative ELBO of the discretised backward model (the "≤" numbers of the paper's tables):
 *   −log p_B(x_0) ≤ E_{δ^F}[ −log p_T(x_N) + Σ_i ½(‖δ^B_i‖² − ‖δ^F_i‖²) ] + D log(g(t_N)/g(t_0)),
 * i.e. `trajectoryKl(...).bound` (Eq. 16 plus the forward-noise and diffusion normalisers), averaged
 * over the data and K forward-noise draws.
 * @param x data at t_0: [B, ...D], finite (not disposed)
 * @param grid t_0 … t_N of the forward/backward chain (the bound is for the chain on this grid)
 */
export function negativeElbo(model: DiffusionModel, x: tf.Tensor, grid: TimeGrid, options: NegativeElboOptions): NegativeElboResult {
  const where = 'negativeElbo';
  checkSdeGrid(model.sde, grid, `${where}: grid`);
  const draws = options.draws ?? 1;
  checkInteger(draws, where, 'draws (K)', 1);
  if (options.batchSize !== undefined) checkInteger(options.batchSize, where, 'batchSize', 1);
  const pass = options.pass ?? 0;
  checkInteger(pass, where, 'pass', 0);
  if (!Number.isFinite(options.seed)) throw new RangeError(`${where}: seed must be a finite number, got ${options.seed}`);
  checkData(x, where, 'x');
  const dims = x.shape.slice(1);
  checkModelShape(model, dims, grid[0] as number, where, 'x');
  const n = x.shape[0] as number;
  const perDraw: number[] = [];
  for (let k = 0; k < draws; k++) {
    let sum = 0;
    for (const rows of chunks(n, options.batchSize ?? 512)) {
      const x0 = sliceRows(x, rows);
      try {
        const loss = trajectoryKl(model, x0, grid, elboNoise(options.seed, pass, k, rows));
        sum += (loss.bound.dataSync()[0] as number) * (rows[1] - rows[0]);
        tf.dispose(Object.values(loss));
      } finally {
        x0.dispose(); // also when the loss throws (a non-finite field, a prior of the wrong shape)
      }
    }
    perDraw.push(sum / n);
  }
  const mean = perDraw.reduce((a, b) => a + b, 0) / draws;
  const sd = draws > 1 ? Math.sqrt(perDraw.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1)) : Number.NaN;
  const dim = sizeOf(dims);
  return { nats: mean, natsPerDim: mean / dim, bitsPerDim: mean / (dim * Math.LN2), perDraw, standardError: sd / Math.sqrt(draws), dim };
}
