/**
 * The messages between the page and the training worker. Everything is plain data (typed arrays
 * are transferred), so the UI never holds a tensor.
 */
import type { Bounds } from '@diffflow/figures/plot';
import type { BrowserBackend } from './backend_names.js';
import type { PlaygroundSettings, SamplerSettings } from './model.js';
import type { LossHistory } from '../curve.js';
import type { SamplerSpec } from '@diffflow/likelihood';

/** Page → worker. */
export type Command =
  /** Start a backend: the named one (with the reason the page shows), or wasm until `probe`. */
  | { readonly type: 'init'; readonly backend?: BrowserBackend; readonly reason?: string }
  /** Look up the backends there are (for the menu) and, with `choose`, measure them and move the session to the fastest (after the first plots). */
  | { readonly type: 'probe'; readonly choose: boolean }
  /** New models for these settings (drawn sets send their cloud); training stays stopped. */
  | { readonly type: 'reset'; readonly settings: PlaygroundSettings; readonly points: Float32Array | null }
  /** Settings of the same model shape (N, batch, learning rate, DDPM on/off) applied to the running session. */
  | { readonly type: 'configure'; readonly settings: PlaygroundSettings }
  | { readonly type: 'run' }
  | { readonly type: 'pause' }
  | { readonly type: 'sampler'; readonly sampler: SamplerSettings }
  | { readonly type: 'heatmap' }
  /** Samples of DiffFlow (and DDPM, when trained) at each of `steps` sampler steps. */
  | { readonly type: 'fewSteps'; readonly steps: readonly number[] }
  /** A checkpoint to download. */
  | { readonly type: 'save' }
  /** A checkpoint kept in the page's memory (to restore the session in a fresh worker). */
  | { readonly type: 'snapshot' }
  | { readonly type: 'load'; readonly bytes: Uint8Array; readonly name: string };

/** One model's training progress. */
export interface Progress {
  readonly iteration: number;
  /** DiffFlow: the trajectory bound (nats per sample); DDPM: L_simple. */
  readonly loss: number;
  /** Iterations per second over the last second. */
  readonly itPerSec: number;
}

/** Everything the plots show, from the EMA weights at `iteration`. */
export interface Visuals {
  readonly iteration: number;
  /** The window of the data-space plots (data, samples, log-density): `plotBounds`. */
  readonly bounds: Bounds;
  /** Data points, data coordinates [n, 2]. */
  readonly data: Float32Array;
  readonly samples: Float32Array;
  readonly ddpmSamples: Float32Array | null;
  /** Learned forward process x_0 … x_N from data points on the training grid, model coordinates. */
  readonly forward: Float32Array[];
  /** Times of `forward` and `drift`: the training grid t_0 … t_N. */
  readonly forwardTimes: number[];
  /** Sampler x_0 … x_M (index i at the sampler grid's time i; M = the sampler's steps), model coordinates. */
  readonly backward: Float32Array[];
  /** Times of `backward`: the sampler's grid t_0 … t_M. */
  readonly backwardTimes: number[];
  readonly driftPoints: Float32Array;
  readonly drift: Float32Array[];
  readonly sampler: SamplerSettings;
  /** Why the chosen sampler could not run a model (then its samples are empty or null), else null. */
  readonly samplerProblem: { readonly diffflow: string | null; readonly ddpm: string | null };
}

/** Worker → page. */
export type Report =
  | { readonly type: 'backend'; readonly name: BrowserBackend; readonly detail: string; readonly reason: string; readonly available: BrowserBackend[] }
  | {
      readonly type: 'session';
      readonly settings: PlaygroundSettings;
      readonly points: Float32Array | null;
      readonly iteration: number;
      readonly ddpmIteration: number;
      readonly parameters: number;
      /** The loss history the session comes with (a checkpoint's; empty for a new model). */
      readonly history: LossHistory;
    }
  /** The running session now trains under these settings (same model; `configure`). */
  | { readonly type: 'settings'; readonly settings: PlaygroundSettings; readonly iteration: number; readonly ddpmIteration: number }
  | { readonly type: 'status'; readonly running: boolean }
  /** After every training round; `tensors` is tf.memory().numTensors (flat while training: no leaks). */
  | { readonly type: 'progress'; readonly diffflow: Progress; readonly ddpm: Progress | null; readonly tensors: number }
  | { readonly type: 'visuals'; readonly visuals: Visuals }
  | { readonly type: 'heatmap'; readonly iteration: number; readonly bounds: Bounds; readonly res: number; readonly logDensity: Float32Array; readonly ms: number }
  | { readonly type: 'fewSteps'; readonly iteration: number; readonly steps: readonly number[]; readonly sampler: SamplerSpec; readonly diffflow: Float32Array[]; readonly ddpm: (Float32Array | null)[] }
  | { readonly type: 'checkpoint'; readonly bytes: Uint8Array; readonly name: string }
  | { readonly type: 'snapshot'; readonly bytes: Uint8Array; readonly iteration: number }
  | { readonly type: 'error'; readonly context: string; readonly message: string };
