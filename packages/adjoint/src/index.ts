/**
 * Memory-constant stochastic adjoint gradients with noise replay, and naive backprop for comparison.
 * @module @diffflow/adjoint
 */
export type { GradientResult, GradientStrategy, GradientStrategyName } from './strategy.js';
export { gradientStrategyNames, disposeGradientResult } from './strategy.js';
export { naiveGradients } from './naive.js';
export { adjointGradients, adjointStrategy, defaultBatchedScoreBytes, defaultDriftCacheBytes, replayMaxStepRatio } from './adjoint.js';
export type { AdjointOptions } from './adjoint.js';
export { gradientStrategy, defaultGradientStrategy, iterationGradients } from './gradient_strategy.js';
export type { IterationKey } from './gradient_strategy.js';
