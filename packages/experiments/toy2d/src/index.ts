/**
 * @diffflow/experiment-toy2d: DiffFlow on the 2-D toy distributions and on point clouds of your own
 * (dataset 'points') — the configuration, the reference model and data stream, and the training,
 * sampling and evaluation steps the Nx targets run (and the DiffFlow-vs-DDPM comparison, the
 * benchmarks and the playground's tests reuse).
 */
export { Toy2dConfig, toy2dDefaults, toy2dFlags, toy2dDatasets, defaultOut, resolveToy2dConfig, readPointsFlag, toy2dIdentity } from './config.js';
export { toyModel, toyModelSpec, toyBatch, toyNormalizer, toy2dData, sampleToy2dData, toy2dDataName, heldOutPoints, toyBounds, plotBounds } from './model.js';
/** Re-exported from @diffflow/datasets, where it is defined (kept for the playground, which imports it from here). */
export { normalizerLogDet } from '@diffflow/datasets';
export type { Toy2dData } from './model.js';
export { drawSamples, heldOutBound, toyPool, CHECKPOINT } from './train.js';
export { loadEmaRun, evaluateToy2d, evalToy2d, evalDefaults, evalFolderName } from './eval.js';
export type { LoadedRun, EvalResult, EvalSettings, EvalFlags } from './eval.js';
