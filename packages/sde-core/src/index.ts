export { fixedGrid, flexibleGrid, flexibleGridAt, stepSizes, checkGrid, checkGridSpec } from './grid.js';
export type { TimeGrid, GridSpec } from './grid.js';
export { progressiveSchedule } from './progressive.js';
export type { ProgressiveSpec, ProgressiveSchedule } from './progressive.js';
export { constantDiffusion, piecewiseDiffusion, functionalDiffusion } from './diffusion.js';
export type { Diffusion } from './diffusion.js';
export { forwardStep, backwardStep, backwardDrift, backwardNoise, halfSquaredNorm } from './euler_maruyama.js';
export {
  deriveSeed,
  uniformGenerator,
  replayableUniforms,
  replayableNormals,
  replayableNormal,
  forwardNoise,
} from './noise.js';
export type { NoiseKey, NoiseSource } from './noise.js';
export { simulateForward, disposeTrajectory } from './trajectory.js';
export type { TimeField, Trajectory } from './trajectory.js';
