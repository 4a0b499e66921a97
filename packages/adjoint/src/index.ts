export type { GradientResult, GradientStrategy, GradientStrategyName } from './strategy.js';
export { gradientStrategyNames, disposeGradientResult } from './strategy.js';
export { naiveGradients } from './naive.js';
export { adjointGradients, adjointStrategy, defaultDriftCacheBytes, replayMaxStepRatio } from './adjoint.js';
export type { AdjointOptions } from './adjoint.js';
export { gradientStrategy, defaultGradientStrategy } from './gradient_strategy.js';
export { dataParallel, modelFromSpec, shardRows } from './data_parallel.js';
export type { DataParallel, DataParallelOptions, ModelSpec, DiffusionSpec, SampleOptions, IterationKey } from './data_parallel.js';
