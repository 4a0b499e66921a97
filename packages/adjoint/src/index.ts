/**
 * Memory-constant stochastic adjoint gradients with noise replay, and naive backprop for comparison.
 * @module @diffflow/adjoint
 */
export type { GradientResult, GradientStrategy, GradientStrategyName } from './strategy.js';
export { gradientStrategyNames, disposeGradientResult } from './strategy.js';
export { naiveGradients } from './naive.js';
export { adjointGradients, adjointStrategy, defaultDriftCacheBytes, replayMaxStepRatio } from './adjoint.js';
export type { AdjointOptions } from './adjoint.js';
export { gradientStrategy, defaultGradientStrategy } from './gradient_strategy.js';
export { dataParallel, shardRows, shardSamples, poolThreads, ddpmShardGradients, ddpmSchedule, replicaFromSpec } from './data_parallel.js';
export type { DataParallel, DataParallelOptions, SampleOptions, IterationKey, DdpmLossSpec, LossGradients, SpecReplica } from './data_parallel.js';
export { startModuleWorker } from './data_parallel_spawn.js';
export { modelFromSpec, fieldFromSpec, sdeFromSpec, diffusionFromSpec, fixedSdeFromSpec, eventShape, checkModelSpec, normalizeModelSpec } from './model_spec.js';
export type { ModelSpec, FieldSpec, SdeNodeSpec, FixedSdeSpec, DiffusionSpec } from './model_spec.js';
