import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { GaussianStats } from './gaussian_stats.js';

/**
 * The Fréchet (2-Wasserstein) distance² between the Gaussians N(μa, Σa) and N(μb, Σb):
 *
 *   d² = ‖μa − μb‖² + tr(Σa + Σb − 2 (Σa^{1/2} Σb Σa^{1/2})^{1/2})
 *
 * (Dowson & Landau 1982; FID, Heusel et al. 2017, is this distance on Inception features). Computed
 * in float64 with symmetric eigendecompositions only, never a non-symmetric matrix square root:
 * Σa^{1/2} = V diag(√max(λ, 0)) Vᵀ from Σa = V diag(λ) Vᵀ, then the eigenvalues μ_i of the symmetric
 * positive semi-definite M = Σa^{1/2} Σb Σa^{1/2} give tr M^{1/2} = Σ_i √max(μ_i, 0). Eigenvalues that
 * round-off pushes below 0 (a rank-deficient Σ: fewer vectors than dimensions, dead features) are
 * taken as 0, and the result is clamped at 0, its exact lower bound.
 *
 * @param a statistics of [na, d] features (mean [d], covariance [d·d])
 * @param b statistics of [nb, d] features, the same d
 * @returns d² ≥ 0 (in squared feature units; identical statistics → 0 up to round-off)
 * @throws RangeError naming `a` or `b` when a mean or covariance has the wrong size or a non-finite value, or the dimensions differ
 */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  checkStats(a, 'a');
  checkStats(b, 'b');
  if (a.d !== b.d) throw new RangeError(`frechetDistance: a and b must have the same dimension, got a.d = ${a.d}, b.d = ${b.d}`);
  const d = a.d;
  let meanTerm = 0;
  for (let i = 0; i < d; i++) {
    const delta = (a.mean[i] as number) - (b.mean[i] as number);
    meanTerm += delta * delta;
  }
  let traces = 0;
  for (let i = 0; i < d; i++) traces += (a.covariance[i * d + i] as number) + (b.covariance[i * d + i] as number);
  const sqrtA = symmetricSqrt(toMatrix(a.covariance, d));
  const product = sqrtA.mmul(toMatrix(b.covariance, d)).mmul(sqrtA);
  const crossTrace = symmetricEigenvalues(product).reduce((s, mu) => s + Math.sqrt(Math.max(mu, 0)), 0);
  return Math.max(meanTerm + traces - 2 * crossTrace, 0);
}

/** A [d·d] row-major array as a d × d matrix. */
function toMatrix(values: Float64Array, d: number): Matrix {
  return Matrix.from1DArray(d, d, values);
}

/** (M + Mᵀ)/2: the symmetric part, so round-off asymmetry never reaches the symmetric solver. */
function symmetrize(m: Matrix): Matrix {
  return Matrix.add(m, m.transpose()).mul(0.5);
}

/** Eigenvalues of the symmetric part of m (Householder tridiagonalisation + implicit QL, JAMA's tred2/tql2). */
function symmetricEigenvalues(m: Matrix): number[] {
  return new EigenvalueDecomposition(symmetrize(m), { assumeSymmetric: true }).realEigenvalues;
}

/** S^{1/2} = V diag(√max(λ, 0)) Vᵀ of a symmetric positive semi-definite S = V diag(λ) Vᵀ. */
function symmetricSqrt(s: Matrix): Matrix {
  const eig = new EigenvalueDecomposition(symmetrize(s), { assumeSymmetric: true });
  const v = eig.eigenvectorMatrix;
  const roots = eig.realEigenvalues.map((lambda) => Math.sqrt(Math.max(lambda, 0)));
  const scaled = v.clone();
  for (let j = 0; j < roots.length; j++) for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * (roots[j] as number));
  return symmetrize(scaled.mmul(v.transpose()));
}

function checkStats(s: GaussianStats, name: 'a' | 'b'): void {
  const { d } = s;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`frechetDistance: ${name}.d must be an integer ≥ 1, got ${d}`);
  if (s.mean.length !== d) throw new RangeError(`frechetDistance: ${name}.mean has ${s.mean.length} values, expected d = ${d}`);
  if (s.covariance.length !== d * d) throw new RangeError(`frechetDistance: ${name}.covariance has ${s.covariance.length} values, expected d·d = ${d * d}`);
  for (const v of s.mean) if (!Number.isFinite(v)) throw new RangeError(`frechetDistance: ${name}.mean holds a non-finite value (${v})`);
  for (const v of s.covariance) if (!Number.isFinite(v)) throw new RangeError(`frechetDistance: ${name}.covariance holds a non-finite value (${v})`);
}
