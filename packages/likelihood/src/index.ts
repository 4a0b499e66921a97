/**
 * Marginal-equivalent samplers, probability-flow ODE NLL and bits/dim.
 * @module @diffflow/likelihood
 */
export { sampleMarginal, samplerNoisePurpose } from './marginal_sampler.js';
export type { SampleMarginalOptions, SampleMarginalResult } from './marginal_sampler.js';
export { probabilityFlowVelocity } from './marginal_drift.js';
export { drawProbes, velocityAndDivergence, checkTraceEstimator } from './divergence.js';
export type { TraceEstimator, Probes } from './divergence.js';
export { rk4, dormandPrince } from './ode_solvers.js';
export type { OdeState, OdeRhs, OdeSolution, AdaptiveOptions } from './ode_solvers.js';
export { probabilityFlowNll, standardNormalLogDensity, checkNllOptions } from './probability_flow_nll.js';
export type { NllOptions, NllResult, PriorLogDensity } from './probability_flow_nll.js';
export { negativeElbo, elboNoise } from './negative_elbo.js';
export type { NegativeElboOptions, NegativeElboResult } from './negative_elbo.js';
export { natsToBitsPerDim, summarizeNll } from './units.js';
export type { NllSummary } from './units.js';
export { dequantize, bitsPerDimOffset, imageScalings, readImages } from './dequantization.js';
export type { ImageScaling, ImageData } from './dequantization.js';
export { imageBitsPerDim, imageNegativeElboBitsPerDim } from './image_bits_per_dim.js';
export type { ImageBitsPerDimOptions, ImageBitsPerDimResult, ImageElboOptions, ImageElboResult } from './image_bits_per_dim.js';
export { logDensityGrid, logDensityGridPoints } from './log_density_grid.js';
export type { LogDensityGridOptions } from './log_density_grid.js';
export { dataLogDensityGrid } from './data_log_density_grid.js';
export type { DataLogDensityGridOptions } from './data_log_density_grid.js';
export { defineSampler, runSampler, resolveSettings, describeSetting, SamplerSettingError, SamplerModelError } from './samplers/sampler.js';
export type { Sampler, SamplerSetting, SettingsSchema, SettingsOf, SettingValue, SamplerChunk, SamplerStepper, SampleRequest, SampleResult } from './samplers/sampler.js';
export { samplerRegistry, samplerNames, defaultSamplerName, samplerByName, checkSamplerSpec, loadSampler, sampleWith, UnknownSamplerError } from './samplers/registry.js';
export type { SamplerSpec } from './samplers/registry.js';
export { eulerMaruyama } from './samplers/euler_maruyama.js';
export { heun } from './samplers/heun.js';
export { predictorCorrector, correctorNoisePurpose } from './samplers/predictor_corrector.js';
export { dpmSolver, dpmSolverSde } from './samplers/dpm_solver.js';
export { rk45 } from './samplers/rk45.js';
export { ddpmAncestral } from './samplers/ddpm_ancestral.js';
