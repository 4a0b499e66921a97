import * as E from 'fp-ts/lib/Either.js';
import { assignTensors, configInvalid, loadCheckpoint, openRunDir, resolveConfig, type Checkpoint, type ExperimentError } from '../io/index.js';
import { orExit, orExitSync } from '../cli_util.js';
import { checkImagesConfig, defaultOut, ImagesConfig, storedDefaultsFor, type StepSchedule } from './config.js';
import { disposeModel, imageModel, namedParameters, runGrid, type ImageModel } from './model.js';
import { CHECKPOINT, gridPng, sampleImages } from './train.js';

/** Flags of `images sample`. */
export const sampleFlags = {
  run: 'string',
  n: 'int',
  steps: 'int',
  lambda: 'number',
  seed: 'int',
  denoise: 'boolean',
  out: 'string',
} as const;

const malformed = (path: string, reason: string): ExperimentError => ({ _tag: 'FileMalformed', path, reason });

/** A trained run: its configuration and the model with the checkpoint's EMA weights. */
export interface TrainedRun {
  readonly path: string;
  readonly config: ImagesConfig;
  readonly schedule: StepSchedule;
  readonly channels: number;
  /** Training iterations done. */
  readonly iteration: number;
  readonly model: ImageModel;
}

/** The run folder named by --run (default: the cpu MNIST run's default folder). */
export function runPathOf(flags: Record<string, unknown>): string {
  return typeof flags['run'] === 'string' ? flags['run'] : defaultOut({ data: 'mnist', preset: 'cpu', seed: 0 });
}

/**
 * Loads `<run>/checkpoint.bin`, decodes the configuration stored in it strictly (one stored before
 * `forward` existed is a 'learned' run), rebuilds the model (U-Nets in its forward process) and
 * assigns the EMA weights. A missing or bad file exits with one line naming it.
 */
export async function loadTrainedRun(runPath: string): Promise<TrainedRun> {
  const ckptPath = `${runPath}/${CHECKPOINT}`;
  const ckpt: Checkpoint = await orExit(loadCheckpoint(ckptPath));
  const stored = (ckpt.meta['config'] ?? {}) as Record<string, unknown>;
  const invalid = (e: ExperimentError): ExperimentError =>
    malformed(ckptPath, `its config is invalid: ${'field' in e ? `${e.field} ${e.reason}` : 'key' in e ? `unknown key '${e.key}'` : e._tag}`);
  const decoded = orExitSync(E.mapLeft(invalid)(resolveConfig(ImagesConfig, storedDefaultsFor(stored), stored)));
  const { config, schedule } = orExitSync(E.mapLeft(invalid)(checkImagesConfig(decoded)));
  const channels = ckpt.meta['channels'];
  if (channels !== 1 && channels !== 3) orExitSync(E.left(malformed(ckptPath, `meta.channels must be 1 or 3, got ${String(channels)}`)));
  const iteration = ckpt.meta['iteration'];
  const model = imageModel(config, channels as number);
  const assigned = assignTensors(namedParameters(model), ckpt.tensors, 'ema', { source: ckptPath });
  if (E.isLeft(assigned)) {
    disposeModel(model);
    orExitSync(assigned);
  }
  return { path: runPath, config, schedule, channels: channels as number, iteration: typeof iteration === 'number' ? iteration : 0, model };
}


/**
 * Draws a sample grid from a run's checkpoint (EMA weights): the λ-family sampler (λ = 1, the
 * backward SDE, by default) on the fixed grid with N = --steps (default the run's sampleSteps, 30),
 * noise-free Tweedie last step unless --denoise=false. Writes samples.png, samples.npy (uint8
 * [n, H, W, C]) and summary.json into --out (default `<run>/sample-…`).
 */
export async function sampleImagesCommand(flags: Record<string, unknown>): Promise<void> {
  const runPath = runPathOf(flags);
  const n = (flags['n'] as number | undefined) ?? 64;
  const lambda = (flags['lambda'] as number | undefined) ?? 1;
  const denoise = (flags['denoise'] as boolean | undefined) ?? true;
  if (!(Number.isInteger(n) && n >= 1)) orExitSync(E.left(configInvalid('--n', `must be an integer >= 1, got ${n}`)));
  if (!(lambda >= 0)) orExitSync(E.left(configInvalid('--lambda', `must be a number >= 0, got ${lambda}`)));
  if (flags['steps'] !== undefined && !(Number.isInteger(flags['steps']) && (flags['steps'] as number) >= 1)) {
    orExitSync(E.left(configInvalid('--steps', `must be an integer >= 1, got ${String(flags['steps'])}`)));
  }
  if (flags['seed'] !== undefined && !(Number.isInteger(flags['seed']) && (flags['seed'] as number) >= 0)) {
    orExitSync(E.left(configInvalid('--seed', `must be an integer >= 0, got ${String(flags['seed'])}`)));
  }
  const run = await loadTrainedRun(runPath);
  const steps = (flags['steps'] as number | undefined) ?? run.config.sampleSteps;
  const seed = (flags['seed'] as number | undefined) ?? run.config.seed;
  const out = typeof flags['out'] === 'string' ? flags['out'] : `${runPath}/sample-n${n}-N${steps}-lambda${lambda}-seed${seed}${denoise ? '' : '-nodenoise'}`;
  const identity = { run: runPath, iteration: run.iteration, n, steps, lambda, seed, denoise };
  const dir = await orExit(openRunDir(out, { config: identity, resume: true }));
  await orExit(dir.writeConfig(identity));
  const started = performance.now();
  const bytes = sampleImages(run.model, run.config, runGrid(run.config, steps), n, seed, lambda, denoise);
  const ms = performance.now() - started;
  const { size } = run.config;
  await orExit(dir.writeNpy('samples.npy', bytes, [n, size, size, run.channels]));
  await orExit(dir.writePng('samples.png', gridPng(bytes, n, size, run.channels)));
  await orExit(dir.writeSummary({ iteration: run.iteration, forward: run.config.forward, n, steps, lambda, seed, denoise, samplingMs: ms }));
  disposeModel(run.model);
  console.error(`[images] ${n} samples (N = ${steps}, λ = ${lambda}${denoise ? ', Tweedie last step' : ''}) in ${(ms / 1000).toFixed(1)} s → ${out}/samples.png`);
}
