import * as tf from '@tensorflow/tfjs-core';
import { backwardStep, checkGrid, type TimeGrid, type Trajectory } from '@diffflow/sde-core';
import type { DiffFlowModel } from '@diffflow/losses';
import { checkData, checkInteger, checkModelShape, checkNonNegative, checkSampleShape, chunks, sizeOf, sliceRows } from './checks.js';
import { rowNormals } from './row_noise.js';

/** Options of {@link sampleMarginal}. */
export interface SampleMarginalOptions {
  /** t_0 < … < t_N = T; sampling runs from T back to t_0. */
  readonly grid: TimeGrid;
  /** λ ≥ 0: 1 is the backward SDE, 0 the probability-flow ODE. */
  readonly lambda: number;
  /** Number of samples n ≥ 1. */
  readonly n: number;
  /** Per-sample dims D… (e.g. [2], or [32, 32, 3]). */
  readonly shape: readonly number[];
  /** Root seed: prior rows keyed (seed, 'sample/prior', row, 0), step noise (seed, 'sample/noise', row, i). */
  readonly seed: number;
  /** Samples of p_T to start from, [n, ...shape] (not disposed); default N(0, I) drawn from `seed`. */
  readonly prior?: tf.Tensor;
  /** Last step (t_1 → t_0) as the noise-free Tweedie denoising step: the mean x_1 − (f − g² s)Δt_0. Default false. */
  readonly denoise?: boolean;
  /** Also return every state x_N … x_0 (for plots). Default false. */
  readonly trajectory?: boolean;
  /** Rows simulated at once (memory is O(batchSize), plus the outputs). Default 1024. */
  readonly batchSize?: number;
}

export interface SampleMarginalResult {
  /** x_0 at t_0: [n, ...shape]. The caller disposes it. */
  readonly samples: tf.Tensor;
  /** With `trajectory: true`: states[i] at grid[i] (states[0] equals `samples`, states[N] the prior draw), each [n, ...shape]. */
  readonly trajectory?: Trajectory;
}

/**
 * Samples the marginal-equivalent family (paper Eq. 17)
 *   dx = [f − ((1 + λ²)/2) g² s] dt + λ g dw,   λ ≥ 0,
 * backward from T to t_0 by Euler–Maruyama with f, s and g at the right end point (as Eq. 12):
 *   x_i = x_{i+1} − [f_{i+1} − ((1 + λ²)/2) g_{i+1}² s_{i+1}] Δt_i + λ g_{i+1} √Δt_i δ_i.
 * λ = 1 is the backward SDE (Eq. 12), λ = 0 the probability-flow ODE (Euler). Every row's randomness is
 * keyed by its index, so the samples do not depend on `batchSize`.
 */
export function sampleMarginal(model: DiffFlowModel, options: SampleMarginalOptions): SampleMarginalResult {
  const where = 'sampleMarginal';
  const { grid, lambda, n, shape, seed } = options;
  checkGrid(grid, `${where}: grid`);
  checkNonNegative(lambda, where, 'lambda (λ)');
  checkInteger(n, where, 'n', 1);
  checkSampleShape(shape, where, 'shape');
  if (!Number.isFinite(seed)) throw new RangeError(`${where}: seed must be a finite number, got ${seed}`);
  const batchSize = options.batchSize ?? 1024;
  checkInteger(batchSize, where, 'batchSize', 1);
  if (options.prior !== undefined) {
    const p = options.prior;
    if (p.rank !== shape.length + 1 || p.shape[0] !== n || shape.some((d, k) => p.shape[k + 1] !== d)) {
      throw new RangeError(`${where}: prior must be [n, ...shape] = [${[n, ...shape].join(', ')}], got [${p.shape.join(', ')}]`);
    }
    checkData(p, where, 'prior');
  }
  const steps = grid.length - 1;
  checkModelShape(model, shape, grid[steps] as number, where, 'shape');
  const d = sizeOf(shape);
  const spread = 0.5 * (1 + lambda * lambda);

  const sampleChunks: tf.Tensor[] = [];
  const stateChunks: tf.Tensor[][] = Array.from({ length: steps + 1 }, () => []);
  try {
    for (const rows of chunks(n, batchSize)) {
      const b = rows[1] - rows[0];
      let x = options.prior !== undefined ? sliceRows(options.prior, rows) : tf.tensor(rowNormals(seed, 'sample/prior', rows, d, 0), [b, ...shape], 'float32');
      try {
        for (let i = steps - 1; i >= 0; i--) {
          const t1 = grid[i + 1] as number;
          const dt = t1 - (grid[i] as number);
          const g = model.diffusion(t1);
          const last = i === 0 && options.denoise === true;
          const z = x;
          x = tf.tidy(() => {
            const f = model.drift.apply(z, t1);
            const s = model.score.apply(z, t1);
            if (last) return backwardStep(z, f, s, g, dt, null); // Tweedie: the mean of the λ = 1 step
            const noise = lambda > 0 ? tf.mul(tf.tensor(rowNormals(seed, 'sample/noise', rows, d, i), z.shape, 'float32'), lambda) : null;
            // backwardStep is z − (f − g² s′)Δt + g√Δt·noise′: s′ = ((1 + λ²)/2) s, noise′ = λ δ
            return backwardStep(z, f, tf.mul(s, spread), g, dt, noise);
          });
          if (options.trajectory === true) (stateChunks[i + 1] as tf.Tensor[]).push(z);
          else z.dispose();
        }
      } catch (e) {
        x.dispose();
        throw e;
      }
      if (options.trajectory === true) (stateChunks[0] as tf.Tensor[]).push(tf.clone(x));
      sampleChunks.push(x);
    }
  } catch (e) {
    tf.dispose([...sampleChunks, ...stateChunks.flat()]);
    throw e;
  }
  const join = (parts: tf.Tensor[]): tf.Tensor => {
    if (parts.length === 1) return parts[0] as tf.Tensor;
    const all = tf.concat(parts, 0);
    tf.dispose(parts);
    return all;
  };
  const samples = join(sampleChunks);
  if (options.trajectory !== true) return { samples };
  return { samples, trajectory: { times: grid, states: stateChunks.map(join) } };
}
