/**
 * The commands every experiment shares: train a model spec into a run folder, sample it, over the
 * lower packages (cli, runs, figures, parallel, training, likelihood, datasets, networks, sde-core).
 * @module @diffflow/experiment
 */
export { openSampleDir, defaultSampleOut } from './sample_dir.js';
export type { SampleDir } from './sample_dir.js';
export { heldOutLikelihood, natsReport, heldOutGrid, evaluateHeldOut } from './held_out.js';
export type { NatsReport, HeldOutOptions, HeldOutLikelihood, HeldOutGridConfig, HeldOutSet, HeldOutEvalOptions } from './held_out.js';
export { heldOutFields, heldOutSettings } from './held_out_flags.js';
export type { HeldOutSettings } from './held_out_flags.js';
export { withEmaRun, openHeldOutDir, writeHeldOutReport } from './held_out_report.js';
export type { HeldOutReport } from './held_out_report.js';
export { textTable } from './held_out_table.js';
export type { ColumnAlign } from './held_out_table.js';
export { compareModels, modelTitles, compareColours } from './compare.js';
export type { CompareModel } from './compare.js';
