import { checkInteger } from './checks.js';

/**
 * Unit conversions of negative log-likelihoods. Everything in this package is computed in nats
 * (natural log) per sample; per-dimension numbers divide by D, bits divide by ln 2.
 */

/** nats per sample → bits per dimension: nats / (D ln 2). */
export function natsToBitsPerDim(nats: number, dim: number): number {
  checkInteger(dim, 'natsToBitsPerDim', 'dim', 1);
  return nats / (dim * Math.LN2);
}

/** A mean NLL in every unit, with its Monte Carlo standard error. */
export interface NllSummary {
  /** Mean −log p per sample (nats). */
  readonly nats: number;
  /** nats / D. */
  readonly natsPerDim: number;
  /** nats / (D ln 2). */
  readonly bitsPerDim: number;
  /** Standard error of `nats` over the samples: sd / √n (NaN for one sample). */
  readonly standardError: number;
  readonly count: number;
  readonly dim: number;
}

/**
 * Mean of per-sample NLLs (nats) in nats, nats/dim and bits/dim:
 *   nats = (1/n) Σ nll_i,   natsPerDim = nats / D,   bitsPerDim = nats / (D ln 2).
 * Accumulates in float64.
 * @param nll per-sample −log p in nats (length n ≥ 1)  @param dim D ≥ 1
 */
export function summarizeNll(nll: ArrayLike<number>, dim: number): NllSummary {
  const where = 'summarizeNll';
  checkInteger(dim, where, 'dim', 1);
  checkInteger(nll.length, where, 'nll.length', 1);
  let sum = 0;
  for (let i = 0; i < nll.length; i++) {
    const v = nll[i] as number;
    if (!Number.isFinite(v)) throw new RangeError(`${where}: nll must be finite, got ${v} at index ${i}`);
    sum += v;
  }
  const n = nll.length;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += ((nll[i] as number) - mean) ** 2;
  const standardError = n > 1 ? Math.sqrt(sq / (n - 1) / n) : Number.NaN;
  return { nats: mean, natsPerDim: mean / dim, bitsPerDim: mean / (dim * Math.LN2), standardError, count: n, dim };
}
