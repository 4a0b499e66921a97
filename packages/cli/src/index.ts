/**
 * The command line of DiffFlow experiments: typed errors, strict config decoding with the flags
 * derived from the schema, help, the shared trainer and sampler flags, the progress bar, and the
 * one runner that owns exit codes.
 * @module @diffflow/cli
 */
/**
 * @diffflow/cli: how a command is driven — the `ExperimentError` vocabulary of every bad input
 * (browser-safe alone at `@diffflow/cli/errors`), io-ts config schemas decoded strictly with the
 * command-line flags and their help derived from them, the flags every experiment shares (trainer
 * settings, sampler settings), the refusal of flags Nx keeps for itself, the progress bar, and
 * `runCli`, the one runner that owns exit codes (2 bad input, 3 divergence).
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
} from './config.js';
export type { Codec, ConfigLayer, FieldKind, FieldHelp, CommandLine, ResolveOptions, LoadConfigOptions } from './config.js';
export { commaList, nameIn } from './list_codec.js';
export type { CommaListOptions } from './list_codec.js';
export { errorToData, errorFromData, outcomeOf, valueOf } from './error_data.js';
export type { ErrorData, Outcome } from './error_data.js';
export { flagHelp, formatHelp, flagsListedIn } from './help.js';
export type { FlagHelp, CommandHelp } from './help.js';
export { nxOwnedFlags } from './nx_flags.js';

export { updateFields, optimizerFields, constantGFields, checkpointFields, trainerSettings, constantGTrainerConfig } from './trainer_fields.js';
export type { OptimizerSettings } from './trainer_fields.js';
export { samplerFlags, samplerSettings, samplerSettingFlags, samplerSettingFields, samplerSpecFromFlags, samplerLabel, checkSamplerForModel, learnedDriftSamplerProblem, trainSamplerFlags, takeTrainSamplerSettings, trainSamplerSpec } from './sampler_flags.js';
export type { SamplerFlags, SamplerSettings, TrainSamplerSettings } from './sampler_flags.js';

export { runCli, commands, withHelp, flagCommand, exitStatusOf, takeDryRun, printDryRun, DRY_RUN_FLAG, EXIT_BAD_INPUT, EXIT_DIVERGED } from './cli.js';
export type { Command } from './cli.js';

export { progressBar } from './progress.js';
export type { ProgressBar, ProgressOptions, ProgressFields, ProgressStream } from './progress.js';
