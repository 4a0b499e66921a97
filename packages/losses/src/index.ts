export type { DiffFlowModel } from './model.js';
export {
  trajectoryKl,
  trajectoryLossTerms,
  stepBackwardEnergy,
  standardNormalNll,
  diffusionLogRatio,
  sampleDim,
} from './trajectory_kl.js';
export type { TrajectoryLoss } from './trajectory_kl.js';
export {
  vpSchedule,
  checkVpSchedule,
  defaultVpSchedule,
  vpBeta,
  vpIntegratedBeta,
  vpMarginal,
  ddpmAlphaBars,
  ddpmBetas,
  ddpmTimes,
} from './ddpm_schedule.js';
export type { VpSchedule, VpMarginal, DdpmTime } from './ddpm_schedule.js';
export { vpDrift, vpDiffusion, vpBetaTensor } from './ddpm_vp_sde.js';
export { epsilonToScore, vpStdTensor } from './ddpm_score.js';
export { ddpmModel } from './ddpm_model.js';
export { ddpmLoss, ddpmTrainingDraws, ddpmNoisePurposes } from './ddpm_loss.js';
export type { DdpmLossOptions, DdpmTrainingDraws } from './ddpm_loss.js';
export { ddpmAncestralSample, ddpmStridedSteps, ddpmRespacing, ddpmVariances } from './ddpm_sampler.js';
export type { DdpmSampleOptions, DdpmRespacing, DdpmVariance } from './ddpm_sampler.js';
export { fourierMlpParameterCount, ddpmEpsilonNetworkOptions, ddpmEpsilonNetwork2d } from './ddpm_parameter_count.js';
export { vpResidualDrift } from './vp_residual_drift.js';
