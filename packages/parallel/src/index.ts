/**
 * The parallel runtime: a row-sharded pool of worker threads, each holding a replica of a model
 * described as plain data (a `ModelSpec` of @diffflow/networks), that computes gradients of the trajectory KL or of
 * DDPM's ε-loss and samples with any sampler, reduced in a fixed order (same seed → same result on
 * one thread or many).
 * @module @diffflow/parallel
 */
export { dataParallel, shardRows, shardSamples, shardGradients, samplerSpecOf, poolThreads, ddpmShardGradients, modelParameters } from './pool.js';
export type { DataParallel, DataParallelOptions, SampleOptions, IterationKey, DdpmLossSpec, LossGradients } from './pool.js';
export { startModuleWorker } from './spawn.js';
export { taskWorker } from './tasks.js';
export type { TaskSpec, TaskWorker } from './tasks.js';
