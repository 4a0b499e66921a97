/**
 * The parallel runtime: a row-sharded pool of worker threads, each holding a replica of a model
 * described as plain data (a {@link ModelSpec}), that computes gradients of the trajectory KL or of
 * DDPM's ε-loss and samples with any sampler, reduced in a fixed order (same seed → same result on
 * one thread or many).
 * @module @diffflow/parallel
 */
export { dataParallel, shardRows, shardSamples, shardGradients, samplerSpecOf, poolThreads, ddpmShardGradients, ddpmSchedule, replicaFromSpec, modelParameters } from './pool.js';
export type { DataParallel, DataParallelOptions, SampleOptions, IterationKey, DdpmLossSpec, LossGradients, SpecReplica } from './pool.js';
export { startModuleWorker } from './spawn.js';
export { modelFromSpec, fieldFromSpec, sdeFromSpec, diffusionFromSpec, fixedSdeFromSpec, eventShape, checkModelSpec, normalizeModelSpec } from './model_spec.js';
export type { ModelSpec, FieldSpec, SdeNodeSpec, FixedSdeSpec, DiffusionSpec } from './model_spec.js';
