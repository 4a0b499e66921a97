/**
 * Run folders, checkpoints, .npy, PNG figures, progress, config decoding and the CLI runner of DiffFlow experiments.
 * @module @diffflow/runs
 */
/**
 * @diffflow/runs: what an experiment run leaves on disk and how a command is driven — the run
 * folder, checkpoints (the byte format alone, browser-safe, is `@diffflow/runs/checkpoint`),
 * .npy arrays, PNG figures, the progress bar, strict config decoding with the command-line flags
 * derived from the schema, atomic writes, the training loop with a run folder, a trained run's
 * held-out evaluation (EMA model, probability-flow NLL and negative ELBO in the data's coordinates),
 * and the one CLI runner that owns exit codes (2 bad input, 3 divergence).
 */
export {
  configInvalid,
  unknownKey,
  outputNotEmpty,
  fileMissing,
  fileMalformed,
  ioFailed,
  fromFsError,
  errnoCode,
  describeCause,
  formatError,
  experimentErrorTags,
  ExperimentFailure,
  fail,
  orThrow,
  orThrowSync,
} from './errors.js';
export type { ExperimentError, ConfigInvalid, UnknownKey, OutputNotEmpty, FileMissing, FileMalformed, IoFailed } from './errors.js';

export {
  decodeStrict,
  describedAs,
  describeCodec,
  intAtLeast,
  intInRange,
  numberAbove,
  numberAtLeast,
  numberInRange,
  oneOf,
  isPlainObject,
  formatPath,
  showValue,
  mergeConfig,
  resolveConfig,
  resolveLayers,
  parseOverrides,
  parseFlags,
  parseCommandLine,
  readConfigFile,
  loadConfig,
  flagsOf,
  documented,
  COMMAND_LINE_FIELD,
} from './config.js';
export type { Codec, ConfigLayer, FieldKind, FieldHelp, CommandLine, ResolveOptions } from './config.js';
export { flagHelp, formatHelp, flagsListedIn } from './help.js';
export type { FlagHelp, CommandHelp } from './help.js';
export { nxOwnedFlags } from './nx_flags.js';

export { writeFileAtomic, tempPathFor, isTempFileName, toBytes } from './atomic.js';
export type { FileContent } from './atomic.js';

export { writeNpy, readNpy } from './npy.js';

export { encodeCheckpoint, decodeCheckpoint, crc32, crc32Portable, CHECKPOINT_VERSION } from './checkpoint_codec.js';
export type { Checkpoint, CheckpointTensor } from './checkpoint_codec.js';
export { saveCheckpoint, loadCheckpoint, variablesToTensors, assignTensors, tensorName } from './checkpoint.js';
export type { NamedVariable, AssignOptions } from './checkpoint.js';

export { checkpointFromState, stateFromCheckpoint, resumeTrainer, saveTrainer, loadEmaModel, storedConfig, renamedConfigFields } from './trainer_checkpoint.js';
export type { Restorable, EmaModel } from './trainer_checkpoint.js';
export { loadEmaRun, heldOutLikelihood, natsReport } from './held_out.js';
export type { LoadedRun, LoadRunOptions, NatsReport, HeldOutOptions, HeldOutLikelihood } from './held_out.js';
export { runTrainingLoop } from './training_run.js';
export type { RunTrainable, TrainingLoop } from './training_run.js';
export { updateFields, optimizerFields, constantGFields, checkpointFields, trainerSettings, constantGTrainerConfig } from './trainer_fields.js';
export type { OptimizerSettings } from './trainer_fields.js';
export { samplerFlags, samplerSettings, samplerSettingFlags, samplerSettingFields, samplerSpecFromFlags, samplerLabel, settingCodec, checkSamplerForModel, learnedDriftSamplerProblem, trainSamplerFlags, takeTrainSamplerSettings, trainSamplerSpec } from './sampler_flags.js';
export type { SamplerFlags, SamplerSettings, TrainSamplerSettings } from './sampler_flags.js';

export { runCli, commands, withHelp, exitStatusOf, takeDryRun, printDryRun, DRY_RUN_FLAG, EXIT_BAD_INPUT, EXIT_DIVERGED } from './cli.js';
export type { Command } from './cli.js';

export {
  openRunDir,
  configDifference,
  metricsRecords,
  CONFIG_FILE,
  METRICS_FILE,
  SUMMARY_FILE,
  defaultNonIdentityFields,
  runFileExtensions,
} from './run_dir.js';
export type { RunDir, OpenRunDirOptions } from './run_dir.js';

export {
  scatterPng,
  scatterImage,
  heatmapPng,
  heatmapImage,
  panelsPng,
  panelsImage,
  imageGridPng,
  imageGridImage,
  linePlotPng,
  linePlotImage,
  encodePng,
  decodePng,
  blankImage,
  pixelAt,
  parseColor,
  colormap,
  colormapNames,
  categoricalPalette,
} from './png.js';
export { dataBounds, squareBounds, niceStep, niceTicks, tickLabel, logTicks, logTickLabel } from './plot.js';
export type { Bounds } from './plot.js';
export { drawText, textWidth, TEXT_HEIGHT } from './text.js';
export type { TextOptions } from './text.js';
export type {
  RgbaImage,
  Rgb,
  AxesText,
  ScatterOptions,
  HeatmapOptions,
  PanelsOptions,
  ImageGridOptions,
  LineSeries,
  LinePlotOptions,
  ColormapName,
} from './png.js';

export { progressBar, formatLoss, formatDuration } from './progress.js';
export type { ProgressBar, ProgressOptions, ProgressFields, ProgressStream } from './progress.js';

export { packageVersions, installedVersion, diffflowPackages, tfjsPackages } from './versions.js';
