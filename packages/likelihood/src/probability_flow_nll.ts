import * as tf from '@tensorflow/tfjs-core';
import { checkGrid, checkSdeGrid, requireGradients, type TimeGrid, type DiffusionModel } from '@diffflow/sde-core';
import { standardNormalNll } from '@diffflow/losses';
import { checkData, checkInteger, checkModelShape, checkPositive, chunks, sizeOf, sliceRows } from './checks.js';
import { checkTraceEstimator, drawProbes, velocityAndDivergence, type TraceEstimator } from './divergence.js';
import { dormandPrince, rk4, type OdeRhs, type OdeSolution } from './ode_solvers.js';

/** log p_T(x_T) per row: [B, ...D] → [B]. */
export type PriorLogDensity = (xT: tf.Tensor) => tf.Tensor1D;

/** log N(x; 0, I) per row: −½‖x‖² − (D/2) log 2π. [B, ...D] → [B]. */
export function standardNormalLogDensity(xT: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.neg(standardNormalNll(xT)) as tf.Tensor1D);
}

/** Options of {@link probabilityFlowNll}. */
export interface NllOptions {
  /**
   * The time grid t_0 (data) < … < t_N = T (prior). RK4 steps on it; RK45 uses only its end points.
   * Any sde-core grid (`fixedGrid`, …) or a plain increasing list.
   */
  readonly grid: TimeGrid;
  /** 'rk4' (fixed steps on `grid`, nfe = 4N) or 'rk45' (adaptive Dormand–Prince). Default 'rk4'. */
  readonly solver?: 'rk4' | 'rk45';
  /** RK45 relative tolerance > 0 (default 1e-5). */
  readonly rtol?: number;
  /** RK45 absolute tolerance > 0 (default 1e-5). */
  readonly atol?: number;
  /** RK45 step limit per chunk (default 10,000). */
  readonly maxSteps?: number;
  /** The trace estimator; default exact. */
  readonly trace?: TraceEstimator;
  /** log p_T of the prior; default the SDE's own prior (`model.sde.prior.logDensity`). */
  readonly priorLogDensity?: PriorLogDensity;
  /** Rows per solve (memory is O(batchSize · P) with P = D probes for the exact trace, K for Hutchinson). Default 512. */
  readonly batchSize?: number;
  /** Evaluation pass: Hutchinson probes are keyed (seed, 'probe', row, pass), so repeats get fresh probes. Default 0. */
  readonly pass?: number;
}

/** Per-sample results of {@link probabilityFlowNll}, all in nats. */
export interface NllResult {
  /** −log p_{t_0}(x) per sample: [B]. */
  readonly nll: Float32Array;
  /** log p_T(x_T) per sample, x_T the ODE's end point. */
  readonly priorLogp: Float32Array;
  /** ∫_{t_0}^{T} tr(∂v/∂x)(x(t), t) dt per sample. */
  readonly traceIntegral: Float32Array;
  /** Function evaluations (each: v and its trace on one chunk), summed over chunks. */
  readonly nfe: number;
  /** Function evaluations of each chunk. */
  readonly nfePerChunk: readonly number[];
  /** Rejected RK45 steps summed over chunks (0 for RK4). */
  readonly rejectedSteps: number;
  /** D, the number of dims of one sample. */
  readonly dim: number;
}

/** Throws a RangeError naming the first option of {@link NllOptions} that is out of range. */
export function checkNllOptions(options: NllOptions, where: string): void {
  checkGrid(options.grid, `${where}: grid`);
  const solver = options.solver ?? 'rk4';
  if (solver !== 'rk4' && solver !== 'rk45') throw new RangeError(`${where}: solver must be 'rk4' or 'rk45', got ${solver}`);
  if (options.rtol !== undefined) checkPositive(options.rtol, where, 'rtol');
  if (options.atol !== undefined) checkPositive(options.atol, where, 'atol');
  if (options.maxSteps !== undefined) checkInteger(options.maxSteps, where, 'maxSteps', 1);
  if (options.batchSize !== undefined) checkInteger(options.batchSize, where, 'batchSize', 1);
  if (options.pass !== undefined) checkInteger(options.pass, where, 'pass', 0);
  checkTraceEstimator(options.trace ?? { kind: 'exact' }, where);
}

/**
 * Negative log-likelihood by the probability-flow ODE (paper Eq. 17 with λ = 0, and the
 * instantaneous change of variables, Eq. 2):
 *   dx/dt = v(x, t) = f − ½ g² s,   d log p(x(t), t)/dt = −tr(∂v/∂x),
 * integrated from the data at t_0 to T, so that
 *   log p_{t_0}(x) = log p_T(x_T) + ∫_{t_0}^{T} tr(∂v/∂x) dt.
 * Solved on the joint state (x, ℓ) with ℓ(t_0) = 0, in chunks of `batchSize` rows.
 *
 * @param x data at t_0: [B, ...D], finite (not disposed)
 * @returns −log p per sample in nats, its two parts, and the number of function evaluations
 */
export function probabilityFlowNll(model: DiffusionModel, x: tf.Tensor, options: NllOptions): NllResult {
  const where = 'probabilityFlowNll';
  requireGradients(where); // the divergence is a vector–Jacobian product
  checkNllOptions(options, where);
  checkSdeGrid(model.sde, options.grid, `${where}: grid`);
  checkData(x, where, 'x');
  const dims = x.shape.slice(1);
  const grid = options.grid;
  const t0 = grid[0] as number;
  const tN = grid[grid.length - 1] as number;
  checkModelShape(model, dims, tN, where, 'x');
  const trace = options.trace ?? { kind: 'exact' };
  const prior = options.priorLogDensity ?? ((xT: tf.Tensor) => model.sde.prior.logDensity(xT));
  const n = x.shape[0] as number;

  const nll = new Float32Array(n);
  const priorLogp = new Float32Array(n);
  const traceIntegral = new Float32Array(n);
  const nfePerChunk: number[] = [];
  let rejectedSteps = 0;
  for (const rows of chunks(n, options.batchSize ?? 512)) {
    const probes = drawProbes(trace, dims, rows, options.pass ?? 0);
    const rhs: OdeRhs = (t, [xt]) =>
      tf.tidy(() => {
        const { velocity, divergence } = velocityAndDivergence(model, xt as tf.Tensor, t, probes);
        return [velocity, divergence];
      });
    const x0 = sliceRows(x, rows);
    const l0 = tf.zeros([rows[1] - rows[0]]);
    let solution: OdeSolution;
    try {
      solution =
        (options.solver ?? 'rk4') === 'rk4'
          ? rk4(rhs, [x0, l0], grid)
          : dormandPrince(rhs, [x0, l0], t0, tN, { rtol: options.rtol, atol: options.atol, maxSteps: options.maxSteps });
    } finally {
      tf.dispose([x0, l0, probes.vectors]);
    }
    const [xT, integral] = solution.y as [tf.Tensor, tf.Tensor1D];
    const logpT = tf.tidy(() => {
      try {
        return prior(xT);
      } catch (e) {
        tf.dispose([xT, integral]);
        throw e;
      }
    });
    if (logpT.rank !== 1 || logpT.shape[0] !== rows[1] - rows[0]) {
      const shape = logpT.shape;
      tf.dispose([xT, integral, logpT]);
      throw new RangeError(`${where}: priorLogDensity must map [B, ...D] to [B] = [${rows[1] - rows[0]}], got [${shape.join(', ')}]`);
    }
    const lp = logpT.dataSync();
    const li = integral.dataSync();
    for (let r = 0; r < rows[1] - rows[0]; r++) {
      priorLogp[rows[0] + r] = lp[r] as number;
      traceIntegral[rows[0] + r] = li[r] as number;
      nll[rows[0] + r] = -((lp[r] as number) + (li[r] as number));
    }
    tf.dispose([xT, integral, logpT]);
    nfePerChunk.push(solution.nfe);
    rejectedSteps += solution.rejected;
  }
  return { nll, priorLogp, traceIntegral, nfe: nfePerChunk.reduce((a, b) => a + b, 0), nfePerChunk, rejectedSteps, dim: sizeOf(dims) };
}
