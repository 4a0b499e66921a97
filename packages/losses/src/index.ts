/**
 * Trajectory KL loss of DiffFlow and the DDPM baseline.
 * @module @diffflow/losses
 */
export { forwardRollout, stepBackwardNoise } from './rollout.js';
export type { Rollout, RolloutOptions } from './rollout.js';
export {
  trajectoryKl,
  trajectoryLossTerms,
  stepBackwardEnergy,
  standardNormalNll,
  diffusionLogRatio,
  sampleDim,
  assembleLoss,
  terminalNll,
} from './trajectory_kl.js';
export type { TrajectoryLoss } from './trajectory_kl.js';
export { ddpmAlphaBars, ddpmBetas, ddpmTimes } from './ddpm_schedule.js';
export type { DdpmTime } from './ddpm_schedule.js';
export { ddpmModel } from './ddpm_model.js';
export { ddpmLoss, ddpmTrainingDraws, ddpmNoisePurposes } from './ddpm_loss.js';
export type { DdpmLossOptions, DdpmTrainingDraws } from './ddpm_loss.js';
export { ddpmAncestralSample, ddpmStridedSteps, ddpmRespacing, ddpmVariances } from './ddpm_sampler.js';
export type { DdpmSampleOptions, DdpmRespacing, DdpmVariance } from './ddpm_sampler.js';
export { fourierMlpParameterCount, ddpmEpsilonNetworkOptions, ddpmEpsilonNetwork2d } from './ddpm_parameter_count.js';
export { scoreMatchingLoss } from './score_matching.js';
export type { ScoreMatchingOptions } from './score_matching.js';
