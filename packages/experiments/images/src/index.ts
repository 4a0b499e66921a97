/**
 * @diffflow/experiment-images: what the images commands are built from, for the benchmarks
 * (tools/bench's samplers_images.ts) — loading a trained run, its DDPM reading, the sampling step
 * and the split's classifier (FD-LeNet and its reference are @diffflow/metrics'). The commands themselves are cli.ts (Nx targets images:*).
 */
export { ImagesConfig, defaultOut } from './config.js';
export type { StepSchedule } from './config.js';
export { imageModel, runGrid } from './model.js';
export type { ImageModel } from './model.js';
export { loadTrainedRun } from './sample.js';
export type { TrainedRun } from './sample.js';
export { sampleImages, imagesPool, CHECKPOINT } from './train.js';
export { ddpmSamplingModel, ddpmSamplingPool } from './compare_ddpm.js';
export { loadImagesClassifier } from './classifier.js';
