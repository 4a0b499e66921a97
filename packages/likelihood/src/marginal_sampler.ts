import * as tf from '@tensorflow/tfjs-core';
import { applyField, checkSdeGrid, lambdaStep, rowNormals, type TimeGrid, type Trajectory, type DiffusionModel } from '@diffflow/sde-core';
import { checkData, checkInteger, checkModelShape, checkNonNegative, checkSampleShape, chunks, sizeOf, sliceRows } from './checks.js';

/** The NoiseKey purpose of the sampler's step noise: row r of step i is keyed (seed, 'sample/noise', r, i). */
export const samplerNoisePurpose = 'sample/noise';

/** Options of {@link sampleMarginal}. */
export interface SampleMarginalOptions {
  /** t_0 < … < t_N = T inside the SDE's interval; sampling runs from T back to t_0. */
  readonly grid: TimeGrid;
  /** λ ≥ 0: 1 is the backward SDE, 0 the probability-flow ODE. */
  readonly lambda: number;
  /** Number of samples n ≥ 1 of the whole draw. */
  readonly n: number;
  /** Per-sample dims D… (e.g. [2], or [32, 32, 3]). */
  readonly shape: readonly number[];
  /**
   * Root seed. The keys (one layout for every caller, thread or shard): row r's prior draw
   * (seed, 'sample/prior', r, 0) through the SDE's prior, its step-i noise (seed, 'sample/noise', r, i).
   */
  readonly seed: number;
  /** Samples of p_T to start from, [n, ...shape] (not disposed); default the SDE's prior drawn from `seed`. */
  readonly prior?: tf.Tensor;
  /**
   * Last step (t_1 → t_0) as the noise-free Tweedie denoising step: the mean x_1 − (f − g² s)Δt_0 of the
   * backward step, for every λ. Default true (the reference code's sampler; turn it off to compare marginals).
   */
  readonly denoise?: boolean;
  /** Only rows [start, end) of the n-row draw (a data-parallel shard): equal to those rows of the whole. Default [0, n). */
  readonly rows?: readonly [number, number];
  /** Also return every state x_N … x_0 (for plots). Default false. */
  readonly trajectory?: boolean;
  /** Rows simulated at once (memory is O(batchSize), plus the outputs). Default 1024. */
  readonly batchSize?: number;
}

export interface SampleMarginalResult {
  /** x_0 at t_0: [end − start, ...shape] (all n rows by default). The caller disposes it. */
  readonly samples: tf.Tensor;
  /** With `trajectory: true`: states[i] at grid[i] (states[0] equals `samples`, states[N] the prior draw), each [rows, ...shape]. */
  readonly trajectory?: Trajectory;
}

/**
 * The one sampler of the library: the marginal-equivalent family (paper Eq. 17)
 *   dx = [f − ((1 + λ²)/2) g² s] dt + λ g dw,   λ ≥ 0,
 * backward from T to t_0 by Euler–Maruyama with f, s and g at the right end point (as Eq. 12):
 *   x_i = x_{i+1} − [f_{i+1} − ((1 + λ²)/2) g_{i+1}² s_{i+1}] Δt_i + λ g_{i+1} √Δt_i δ_i,
 * starting from the SDE's prior. λ = 1 is the backward SDE (Eq. 12), λ = 0 the probability-flow ODE
 * (Euler). Every row's randomness is keyed by its index, so the samples depend neither on
 * `batchSize` nor on how the rows are split across threads (`rows`).
 * @param model a `DiffusionModel`: its SDE (drift, g, prior) and score
 */
export function sampleMarginal(model: DiffusionModel, options: SampleMarginalOptions): SampleMarginalResult {
  const where = 'sampleMarginal';
  const { grid, lambda, n, shape, seed } = options;
  checkSdeGrid(model.sde, grid, `${where}: grid`);
  checkNonNegative(lambda, where, 'lambda (λ)');
  checkInteger(n, where, 'n', 1);
  checkSampleShape(shape, where, 'shape');
  if (!Number.isFinite(seed)) throw new RangeError(`${where}: seed must be a finite number, got ${seed}`);
  const batchSize = options.batchSize ?? 1024;
  checkInteger(batchSize, where, 'batchSize', 1);
  const [start, end] = options.rows ?? [0, n];
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= n)) {
    throw new RangeError(`${where}: rows must be integers with 0 ≤ start < end ≤ n = ${n}, got [${start}, ${end})`);
  }
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
  const denoise = options.denoise ?? true;
  const { drift, diffusion, prior } = model.sde;

  const sampleChunks: tf.Tensor[] = [];
  const stateChunks: tf.Tensor[][] = Array.from({ length: steps + 1 }, () => []);
  try {
    for (const local of chunks(end - start, batchSize)) {
      const rows: readonly [number, number] = [start + local[0], start + local[1]];
      const b = rows[1] - rows[0];
      let x = options.prior !== undefined ? sliceRows(options.prior, rows) : prior.sample(rows, shape, seed);
      try {
        if (x.shape[0] !== b || x.shape.slice(1).some((k, i) => k !== shape[i])) {
          throw new RangeError(`${where}: prior '${prior.name}' sampled [${x.shape.join(', ')}] for rows ${rows[0]}…${rows[1]}, expected [${[b, ...shape].join(', ')}]`);
        }
        for (let i = steps - 1; i >= 0; i--) {
          const t1 = grid[i + 1] as number;
          const dt = t1 - (grid[i] as number);
          const g = diffusion(t1);
          const last = i === 0 && denoise;
          const z = x;
          x = tf.tidy(() => {
            const f = applyField(drift, 'drift', z, t1);
            const s = applyField(model.score, 'score', z, t1);
            if (last) return lambdaStep(z, f, s, g, dt, 1, null); // Tweedie: the mean of the λ = 1 step
            const noise = lambda > 0 ? tf.tensor(rowNormals(seed, samplerNoisePurpose, rows, d, i), z.shape, 'float32') : null;
            return lambdaStep(z, f, s, g, dt, lambda, noise);
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
