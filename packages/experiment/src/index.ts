/**
 * The commands every experiment shares: train a model spec into a run folder, sample it, over the
 * lower packages (cli, runs, figures, parallel, training, likelihood, datasets, networks, sde-core).
 * @module @diffflow/experiment
 */
export { trainRun, CHECKPOINT_FILE } from './training.js';
export type { RunSettings, TrainRunOptions, TrainedRun } from './training.js';
export { withPool, poolSamples, sampleOnPool } from './pooled_samples.js';
export type { PooledSamples } from './pooled_samples.js';
export { openSampleDir, defaultSampleOut } from './sample_dir.js';
export type { SampleDir } from './sample_dir.js';
export { heldOutLikelihood, heldOutNll, natsReport, heldOutGrid, evaluateHeldOut } from './held_out.js';
export type { NatsReport, HeldOutOptions, HeldOutLikelihood, HeldOutNll, HeldOutGridConfig, HeldOutSet, HeldOutEvalOptions } from './held_out.js';
export { heldOutFields, heldOutSettings } from './held_out_flags.js';
export type { HeldOutSettings } from './held_out_flags.js';
export { withEmaRun, openHeldOutDir, writeHeldOutReport } from './held_out_report.js';
export type { HeldOutReport } from './held_out_report.js';
export { textTable } from './held_out_table.js';
export type { ColumnAlign } from './held_out_table.js';
export { compareModels, modelTitles, compareColours } from './compare.js';
export type { CompareModel } from './compare.js';
