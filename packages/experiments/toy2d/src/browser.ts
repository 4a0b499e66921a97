/**
 * @diffflow/experiment-toy2d/browser: what a page needs to build, feed and configure the toy2d
 * model exactly as `toy2d:train` does — `toyModel`, `toyNormalizer`, `toyBatch`, the data a
 * configuration names (a toy or a point cloud: `toy2dData`, `sampleToy2dData`) and the default
 * configuration — with no Node import (the package's main entry also exports the CLI's steps,
 * which write files). Its modules import tfjs, sde-core, networks, training and the browser-safe
 * subpaths of @diffflow/datasets; `browser.test.ts` bundles it for the browser and checks that no
 * Node built-in is left.
 */
export type { Toy2dConfig } from './config.js';
export { toy2dDefaults } from './defaults.js';
export { toyModel, toyBatch, toyNormalizer, toy2dData, sampleToy2dData, toy2dDataName, heldOutPoints, toyBounds, plotBounds } from './model.js';
/** Re-exported from @diffflow/datasets, where it is defined (kept for the playground, which imports it from here). */
export { normalizerLogDet } from '@diffflow/datasets/normalizer';
export type { Toy2dData } from './model.js';
