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
