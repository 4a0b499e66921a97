import type { BackendInfo } from '@diffflow/backend';
import { orThrow } from '@diffflow/cli';
import { median, packageVersions, resumeTrainer, runTrainingLoop, type RunDir } from '@diffflow/runs';
import type { Checkpoint } from '@diffflow/runs';
import type { LoopResult, StepMetrics, Trainer, TrainingPhase } from '@diffflow/training';

/** The checkpoint a training run keeps in its folder (parameters, Adam, EMA, counters, the experiment's metadata). */
export const CHECKPOINT_FILE = 'checkpoint.bin';

/** The settings of a training run that {@link trainRun} reads; the whole object is written to config.json. */
export interface RunSettings {
  /** Train until the trainer's iteration reaches this. */
  readonly iters: number;
  /** Checkpoint after every iteration that is a multiple of this, and at the end. */
  readonly checkpointEvery: number;
  /** Continue from the folder's checkpoint. */
  readonly resume: boolean;
  /** Stop after this many seconds of training (0 or absent: no limit). */
  readonly maxSeconds?: number;
}

/** What {@link trainRun} needs besides the trainer. */
export interface TrainRunOptions<C extends RunSettings> {
  /** The experiment's name: log lines start with `[name]`. */
  readonly name: string;
  /** The progress bar's label (e.g. `toy2d checkerboard`). */
  readonly label: string;
  /** The opened run folder. */
  readonly run: RunDir;
  /** The run's configuration, written to config.json followed by `backend`, `versions`, `parameters` and `configExtra`. */
  readonly config: C;
  /** The backend the run computes on (recorded in config.json). */
  readonly backend: BackendInfo;
  /** More config.json keys after `parameters`, in their order (e.g. the data's sizes). */
  readonly configExtra?: Readonly<Record<string, unknown>>;
  /** The metadata stored in each checkpoint beside the trainer's state (called at each save). */
  readonly meta: () => Record<string, unknown>;
  /** An iteration's metrics.jsonl line and the loss the progress bar shows and {@link TrainedRun.lossMean} averages; default the metrics and `bound`. */
  readonly record?: (m: StepMetrics) => { readonly line: object; readonly loss: number };
  /** Called with the checkpoint a resumed run continues from, after the trainer is restored. */
  readonly onResume?: (checkpoint: Checkpoint) => void;
}

/** What {@link trainRun} leaves: the loop's result and the times and losses of this process's iterations. */
export interface TrainedRun extends LoopResult {
  /** The checkpoint's path. */
  readonly checkpoint: string;
  /** Trainable parameters of the model (drift's and score's), as config.json records them. */
  readonly parameters: number;
  /** Median milliseconds of this process's iterations of `phase` (every phase when absent); null when there were none (a resumed run counts only its own). */
  msMedian(phase?: TrainingPhase): number | null;
  /** Mean of the `record` losses of the last `last` iterations of `phase` (every phase when absent), summed in order; null when there were none. */
  lossMean(last: number, phase?: TrainingPhase): number | null;
}

/**
 * The training command of an experiment, after the trainer is built: resumes from the run folder's
 * checkpoint when `config.resume` (logging `[name] resumed from … at iteration i`), writes
 * config.json, and trains with `runTrainingLoop` of @diffflow/runs (metrics.jsonl, progress bar,
 * checkpoints, the divergence guard), keeping each iteration's time and loss for the summary.
 * @throws ExperimentFailure for a checkpoint that cannot be read or a file that cannot be written; DivergenceError when training diverges
 */
export async function trainRun<C extends RunSettings>(trainer: Trainer, options: TrainRunOptions<C>): Promise<TrainedRun> {
  const { name, run, config } = options;
  const checkpoint = run.file(CHECKPOINT_FILE);
  if (config.resume) {
    const ckpt = await resumeTrainer(trainer, checkpoint);
    options.onResume?.(ckpt);
    console.error(`[${name}] resumed from ${checkpoint} at iteration ${trainer.iteration}`);
  }
  const parameters = trainer.model.sde.drift.parameterCount + trainer.model.score.parameterCount;
  await orThrow(run.writeConfig({ ...config, backend: options.backend, versions: packageVersions(), parameters, ...options.configExtra }));
  const steps: { readonly phase: TrainingPhase; readonly ms: number; readonly loss: number }[] = [];
  const record = options.record ?? ((m: StepMetrics) => ({ line: m, loss: m.bound }));
  const result = await runTrainingLoop(trainer, {
    run,
    iters: config.iters,
    checkpointEvery: config.checkpointEvery,
    ...(config.maxSeconds === undefined ? {} : { maxSeconds: config.maxSeconds }),
    label: options.label,
    checkpoint: { path: checkpoint, meta: options.meta },
    record: (m) => {
      const r = record(m);
      steps.push({ phase: m.phase, ms: m.ms, loss: r.loss });
      return r;
    },
  });
  const of = (phase?: TrainingPhase) => (phase === undefined ? steps : steps.filter((s) => s.phase === phase));
  return {
    ...result,
    checkpoint,
    parameters,
    msMedian: (phase) => median(of(phase).map((s) => s.ms)),
    lossMean: (last, phase) => {
      const recent = of(phase).slice(-last);
      return recent.length === 0 ? null : recent.reduce((a, s) => a + s.loss, 0) / recent.length;
    },
  };
}
