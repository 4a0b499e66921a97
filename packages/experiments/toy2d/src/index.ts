/**
 * @diffflow/experiment-toy2d: DiffFlow on the 2-D toy distributions — the configuration, the
 * reference model and data stream, and the training, sampling and evaluation steps the Nx targets
 * run (and the DiffFlow-vs-DDPM comparison and the benchmarks reuse).
 */
export { Toy2dConfig, toy2dDefaults, toy2dFlags, defaultOut } from './config.js';
export { toyModel, toyBatch, toyNormalizer, normalizerLogDet } from './model.js';
export { trainerConfig, drawSamples, heldOutBound, toyBounds, CHECKPOINT } from './train.js';
