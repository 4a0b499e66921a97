import { defaultLambda, requireBackend, type DiffusionModel } from '@diffflow/sde-core';
import { eulerMaruyama } from './samplers/euler_maruyama.js';
import { runSampler, type SampleRequest, type SampleResult } from './samplers/sampler.js';

export { samplerNoisePurpose } from './samplers/sampler.js';

/** Options of {@link sampleMarginal}: a {@link SampleRequest} and euler-maruyama's settings. */
export interface SampleMarginalOptions extends SampleRequest {
  /** λ ≥ 0: 1 is the backward SDE, 0 the probability-flow ODE (default sde-core's `defaultLambda`). */
  readonly lambda?: number;
  /**
   * Last step (t_1 → t_0) as the noise-free Tweedie denoising step: the mean x_1 − (f − g² s)Δt_0 of the
   * backward step, for every λ. Default true (the reference code's sampler; turn it off to compare marginals).
   */
  readonly denoise?: boolean;
}

/** What {@link sampleMarginal} returns (a sampler's {@link SampleResult}). */
export type SampleMarginalResult = SampleResult;

/**
 * The `euler-maruyama` sampler of the registry (samplers/euler_maruyama.ts) with its settings as
 * options: the marginal-equivalent family (paper Eq. 17)
 *   dx = [f − ((1 + λ²)/2) g² s] dt + λ g dw,   λ ≥ 0,
 * backward from T to t_0 by Euler–Maruyama, starting from the SDE's prior. Every row's randomness is
 * keyed by its index, so the samples depend neither on `batchSize` nor on how the rows are split
 * across threads (`rows`). Other samplers: `runSampler` with one from `samplerRegistry`.
 * @param model a `DiffusionModel`: its SDE (drift, g, prior) and score
 */
export function sampleMarginal(model: DiffusionModel, options: SampleMarginalOptions): SampleMarginalResult {
  requireBackend('sampleMarginal'); // name the function the caller called
  const { lambda = defaultLambda, denoise, ...request } = options;
  return runSampler(eulerMaruyama, model, request, { lambda, denoise });
}
