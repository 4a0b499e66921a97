/**
 * Time grids, diffusion schedules, Euler-Maruyama steps and replayable noise for diffusion normalizing flows.
 * @module @diffflow/sde-core
 */
export { fixedGrid, flexibleGrid, flexibleGridAt, stepSizes, checkGrid, checkGridSpec } from './grid.js';
export type { TimeGrid, GridSpec } from './grid.js';
export { logSnrGrid } from './log_snr_grid.js';
export type { LogSnrGridSpec } from './log_snr_grid.js';
export { progressiveSchedule } from './progressive.js';
export type { ProgressiveSpec, ProgressiveSchedule } from './progressive.js';
export { constantDiffusion, piecewiseDiffusion, functionalDiffusion } from './diffusion.js';
export type { Diffusion } from './diffusion.js';
export { forwardStep, backwardStep, backwardDrift, lambdaDrift, lambdaStep, backwardNoise, halfSquaredNorm } from './euler_maruyama.js';
export {
  deriveSeed, purposeSeed,
  uniformGenerator,
  replayableUniforms,
  replayableNormals,
  replayableNormal,
  forwardNoise,
  keyedNoise,
  rowKeyedNoise,
  rowNormals,
  rowUniforms,
  rowRademacher,
  checkReplays,
} from './noise.js';
export type { NoiseKey, NoiseSource, ReplayableNoise } from './noise.js';
export { simulateForward, disposeTrajectory, eulerMaruyamaRollout } from './trajectory.js';
export type { TimeField, Trajectory, Rollout, RolloutOptions } from './trajectory.js';
export { forwardSnapshots, snapshotIndices } from './forward_snapshots.js';
export type { TrajectorySnapshots } from './forward_snapshots.js';
export { variablesOf, applyField, checkFieldOutput, checkFinite, setFiniteChecks, NonFiniteFieldError } from './vector_field.js';
export type { VectorField, Parameter, FieldCall, NonFinitePart } from './vector_field.js';
export { gaussianPrior, standardNormalPrior, priorNoisePurpose } from './prior.js';
export type { Prior } from './prior.js';
export { sde, checkSdeGrid, linearDrift, timeFactor, rowShape, checkRowTimes, perRow } from './sde.js';
export type { Sde, SdeSpec, LinearMarginal, TimeFunction } from './sde.js';
export { diffflowSde } from './diffflow_sde.js';
export type { DiffFlowSdeSpec } from './diffflow_sde.js';
export { vpSde, subVpSde, vpSchedule, checkVpSchedule, defaultVpSchedule, vpBeta, vpIntegratedBeta, vpMarginal } from './vp_sde.js';
export type { VpSchedule, VpMarginal } from './vp_sde.js';
export { vpForwardChain } from './vp_forward_chain.js';
export type { VpForwardChain } from './vp_forward_chain.js';
export { veSde } from './ve_sde.js';
export type { VeSchedule } from './ve_sde.js';
export { diffusionModel, modelFields } from './model.js';
export { reverseProcess, defaultLambda } from './reverse_process.js';
export type { ReverseProcess } from './reverse_process.js';
export type { DiffusionModel } from './model.js';
export { requireBackend, requireGradients, tfState, TfSetupError } from './tf_setup.js';
export type { TfState } from './tf_setup.js';
export { tapeSafe } from './tape.js';
