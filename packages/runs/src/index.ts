/**
 * What a DiffFlow experiment run leaves on disk: the run folder, checkpoints, .npy arrays,
 * atomic writes, the training loop that writes them, and a trained run's held-out evaluation.
 * @module @diffflow/runs
 */
/**
 * @diffflow/runs: the run files — the run folder (config.json, metrics.jsonl, summary.json, arrays,
 * figures, checkpoints, refusing another run's folder), checkpoints (the byte format alone,
 * browser-safe, is `@diffflow/runs/checkpoint`), .npy arrays, atomic writes, the training loop with
 * a run folder, a trainer snapshot as a checkpoint, a trained run's held-out evaluation (EMA model,
 * probability-flow NLL and negative ELBO in the data's coordinates) and the package versions a run
 * records. Its errors are `@diffflow/cli`'s `ExperimentError`s.
 */
export { writeFileAtomic, toBytes } from './atomic.js';
export type { FileContent } from './atomic.js';

export { writeNpy, readNpy } from './npy.js';

export { encodeCheckpoint, decodeCheckpoint } from './checkpoint_codec.js';
export type { Checkpoint, CheckpointTensor } from './checkpoint_codec.js';
export { saveCheckpoint, loadCheckpoint, variablesToTensors, assignTensors } from './checkpoint.js';
export type { NamedVariable, AssignOptions } from './checkpoint.js';

export { checkpointFromState, stateFromCheckpoint, resumeTrainer, saveTrainer, loadEmaModel, storedConfig } from './trainer_checkpoint.js';
export type { Restorable, EmaModel } from './trainer_checkpoint.js';
export { loadEmaRun } from './ema_run.js';
export type { LoadedRun, LoadRunOptions } from './ema_run.js';
export { runTrainingLoop } from './training_run.js';
export type { RunTrainable, TrainingLoop } from './training_run.js';

export {
  openRunDir,
  metricsRecords,
  CONFIG_FILE,
  METRICS_FILE,
  SUMMARY_FILE,
} from './run_dir.js';
export type { RunDir, OpenRunDirOptions } from './run_dir.js';
export { lastPerIteration, readTrainingHistory, summarizeHistory, median } from './training_history.js';
export type { TrainingHistory, HistorySummary } from './training_history.js';

export { packageVersions } from './versions.js';
