/**
 * What the user sets in the page, its defaults and its checks (pure: shared by the UI and the worker).
 */
import { isToyName, toyNames, type ToyName } from '@diffflow/datasets/toy2d';

/** A library toy or the user's drawing. */
export type DatasetChoice = ToyName | 'drawn';

/** What the user sets in the page; every other training setting is the toy2d CLI's default. */
export interface PlaygroundSettings {
  readonly dataset: DatasetChoice;
  /** N, the steps of the time grid (training, and the sampler's default). */
  readonly steps: number;
  /** Constant diffusion g > 0. */
  readonly g: number;
  /** Final time T > 0. */
  readonly T: number;
  /** Hidden width of the Fourier MLPs. */
  readonly hidden: number;
  /** Batch size B. */
  readonly batch: number;
  /** Adam's learning rate (StepLR: halved as toy2d's defaults say, `lrDecayEvery`). */
  readonly lr: number;
  readonly seed: number;
  /** Train the DDPM baseline beside DiffFlow (same wall-clock share). */
  readonly ddpm: boolean;
}

/**
 * The playground's defaults: the toy2d CLI's configuration at a browser's budget (N = 10 and
 * B = 256 instead of 30 and 512) so that a drawn shape is learned within about 30 s.
 */
export const playgroundDefaults: PlaygroundSettings = { dataset: 'drawn', steps: 10, g: 0.2, T: 0.05, hidden: 64, batch: 256, lr: 1e-2, seed: 0, ddpm: false };

/**
 * The defaults of a model for a new drawing, where they differ from `playgroundDefaults`: a larger
 * diffusion g and learning rate learn a drawn shape in about half the iterations (measured with
 * scripts/tune_drawn.ts: docs/results/playground.md; lr 2·10⁻² rather than 1.5·10⁻² takes the
 * starter heart from 55–70 iterations to 55–65 over four seeds, the ring stays at 30–55). So does a
 * new model of the starter heart (Reset); the toys and the pretrained starter heart keep
 * `playgroundDefaults`, the shape of their pretrained models.
 */
export const drawnShapeDefaults = { g: 1, lr: 2e-2 } as const satisfies Partial<PlaygroundSettings>;

/**
 * `s` for a model of the other kind: for a new drawing (`newDrawing`), every field of
 * `drawnShapeDefaults` still at `playgroundDefaults`' value takes the drawing default; for a toy or
 * the starter heart, every such field still at the drawing default goes back. A value the user set
 * stays as it is.
 */
export function withKindDefaults(s: PlaygroundSettings, newDrawing: boolean): PlaygroundSettings {
  const out: Record<string, unknown> = { ...s };
  for (const k of Object.keys(drawnShapeDefaults) as (keyof typeof drawnShapeDefaults)[]) {
    const [from, to] = newDrawing ? [playgroundDefaults[k], drawnShapeDefaults[k]] : [drawnShapeDefaults[k], playgroundDefaults[k]];
    if (s[k] === from) out[k] = to;
  }
  return out as unknown as PlaygroundSettings;
}

/** t_0 of the time grid (the toy2d CLI's default). */
export const FIXED_T_MIN = 1e-3;

/** Checks settings from the UI or a checkpoint; the first problem names its field. */
export function checkSettings(s: PlaygroundSettings): string | null {
  const int = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  if (s.dataset !== 'drawn' && !isToyName(s.dataset)) return `dataset must be 'drawn' or one of ${toyNames.join(', ')}`;
  if (!int(s.steps, 1, 200)) return `N (steps) must be an integer in [1, 200], got ${s.steps}`;
  if (!(s.g > 0 && s.g <= 10)) return `g must be in (0, 10], got ${s.g}`;
  if (!(s.T > FIXED_T_MIN && s.T <= 10)) return `T must be in (${FIXED_T_MIN}, 10], got ${s.T}`;
  if (!int(s.hidden, 4, 512)) return `width must be an integer in [4, 512], got ${s.hidden}`;
  if (!int(s.batch, 8, 4096)) return `batch must be an integer in [8, 4096], got ${s.batch}`;
  if (!(s.lr > 0 && s.lr <= 1)) return `learning rate must be in (0, 1], got ${s.lr}`;
  if (!int(s.seed, 0, 2 ** 31 - 1)) return `seed must be an integer ≥ 0, got ${s.seed}`;
  return null;
}
