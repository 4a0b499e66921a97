/**
 * The messages between the page and the training worker. Everything is plain data (typed arrays
 * are transferred), so the UI never holds a tensor.
 */
import type { BrowserBackend } from './backend.js';
import type { PlaygroundSettings, SamplerSettings } from './model.js';

/** Page → worker. */
export type Command =
  | { readonly type: 'init'; readonly backend?: BrowserBackend }
  /** New models for these settings (drawn sets send their cloud); training stays stopped. */
  | { readonly type: 'reset'; readonly settings: PlaygroundSettings; readonly points: Float32Array | null }
  | { readonly type: 'run' }
  | { readonly type: 'pause' }
  | { readonly type: 'setBackend'; readonly backend: BrowserBackend }
  | { readonly type: 'sampler'; readonly sampler: SamplerSettings }
  | { readonly type: 'heatmap' }
  | { readonly type: 'save' }
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
  /** Data points, data coordinates [n, 2]. */
  readonly data: Float32Array;
  readonly samples: Float32Array;
  readonly ddpmSamples: Float32Array | null;
  /** Learned forward process x_0 … x_N from data points, model coordinates. */
  readonly forward: Float32Array[];
  /** Sampler x_N … x_0 (index i at grid time i), model coordinates. */
  readonly backward: Float32Array[];
  readonly times: number[];
  readonly driftPoints: Float32Array;
  readonly drift: Float32Array[];
  readonly sampler: SamplerSettings;
}

/** Worker → page. */
export type Report =
  | { readonly type: 'backend'; readonly name: BrowserBackend; readonly detail: string; readonly available: BrowserBackend[] }
  | { readonly type: 'session'; readonly settings: PlaygroundSettings; readonly points: Float32Array | null; readonly iteration: number; readonly ddpmIteration: number; readonly parameters: number }
  | { readonly type: 'status'; readonly running: boolean }
  /** After every training round; `tensors` is tf.memory().numTensors (flat while training: no leaks). */
  | { readonly type: 'progress'; readonly diffflow: Progress; readonly ddpm: Progress | null; readonly tensors: number }
  | { readonly type: 'visuals'; readonly visuals: Visuals }
  | { readonly type: 'heatmap'; readonly iteration: number; readonly bounds: readonly [number, number, number, number]; readonly res: number; readonly logDensity: Float32Array; readonly ms: number }
  | { readonly type: 'checkpoint'; readonly bytes: Uint8Array; readonly name: string }
  | { readonly type: 'error'; readonly context: string; readonly message: string };
