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
  exitWithError,
  orExit,
  experimentErrorTags,
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
  COMMAND_LINE_FIELD,
} from './config.js';
export type { Codec, ConfigLayer, FieldKind, CommandLine, ResolveOptions } from './config.js';

export { writeFileAtomic, tempPathFor, isTempFileName, toBytes } from './atomic.js';
export type { FileContent } from './atomic.js';

export { writeNpy, readNpy, encodeNpy, decodeNpy } from './npy.js';
export type { NpyArray, NpyData, NpyDtype } from './npy.js';

export {
  saveCheckpoint,
  loadCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  variablesToTensors,
  assignTensors,
  tensorName,
  crc32,
  crc32Portable,
  CHECKPOINT_VERSION,
} from './checkpoint.js';
export type { Checkpoint, CheckpointTensor, NamedVariable, AssignOptions } from './checkpoint.js';

export {
  openRunDir,
  configDifference,
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
  dataBounds,
  niceTicks,
} from './png.js';
export type {
  RgbaImage,
  Rgb,
  Bounds,
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
