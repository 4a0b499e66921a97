/**
 * The commands every experiment shares: train a model spec into a run folder, sample it, over the
 * lower packages (cli, runs, figures, parallel, training, likelihood, datasets, networks, sde-core).
 * @module @diffflow/experiment
 */
export { openSampleDir, defaultSampleOut } from './sample_dir.js';
export type { SampleDir } from './sample_dir.js';
export { compareModels, modelTitles, compareColours } from './compare.js';
export type { CompareModel } from './compare.js';
