/**
 * @diffflow/experiments: reproducible DiffFlow experiments (toy2d, compare, tabular, images) and
 * the pieces they are made of — the training core and the I/O building blocks — for users who
 * compose their own.
 */
export * from './io/index.js';
export { adam } from './train/adam.js';
export type { Adam, AdamOptions } from './train/adam.js';
export { ema } from './train/ema.js';
export type { Ema } from './train/ema.js';
export { clipByGlobalNorm } from './train/clip.js';
export { createTrainer, DivergenceError } from './train/trainer.js';
export type { Trainer, TrainerConfig, TrainerState, TimeConfig, StepMetrics } from './train/trainer.js';
export { checkpointFromState, stateFromCheckpoint } from './cli_util.js';
export { Toy2dConfig, toy2dDefaults, defaultOut } from './toy2d/config.js';
export { toyModel, toyBatch, toyNormalizer, normalizerLogDet, purposeSeed, disposeModel } from './toy2d/model.js';
export { trainerConfig, drawSamples, heldOutBound } from './toy2d/train.js';
