/**
 * The reference DiffFlow for vector data ([B, D]) as a {@link ModelSpec}: a drift and a score
 * network, each a Fourier-time MLP with the same options (named 'drift' and 'score', so their
 * initial weights differ), and a constant diffusion g on [0, T]. The 2-D experiment, the tabular
 * experiment and the comparison build their models from it, on their own thread and in a pool's
 * workers (`modelFromSpec`).
 */
import type { FourierMlpOptions } from './fourier_mlp.js';
import type { ModelSpec } from './model_spec.js';

/** Options of {@link fourierDiffFlowSpec}: both networks' options (their `name` is set here), g and T. */
export interface FourierDiffFlowOptions extends Omit<FourierMlpOptions, 'name'> {
  /** The constant diffusion g > 0 of dx = f_θ(x, t) dt + g dw. */
  readonly g: number;
  /** The final time T > 0: the model's interval is [0, T]. */
  readonly T: number;
}

/**
 * dx = f_θ(x, t) dt + g dw on [0, T] with the score s_θ(x, t): f_θ and s_θ Fourier MLPs of the
 * same `dim`, `hidden`, `layers`, `activation` and `seed`, named 'drift' and 'score'.
 * @throws RangeError naming `g` or `T` when it is not a finite number > 0
 */
export function fourierDiffFlowSpec(options: FourierDiffFlowOptions): ModelSpec {
  const { g, T, ...mlp } = options;
  if (!(Number.isFinite(g) && g > 0)) throw new RangeError(`fourierDiffFlowSpec: g must be a finite number > 0, got ${g}`);
  if (!(Number.isFinite(T) && T > 0)) throw new RangeError(`fourierDiffFlowSpec: T must be a finite number > 0, got ${T}`);
  return {
    sde: { kind: 'diffflow', drift: { kind: 'fourierMlp', options: { ...mlp, name: 'drift' } }, diffusion: { kind: 'constant', value: g }, interval: [0, T] },
    score: { kind: 'fourierMlp', options: { ...mlp, name: 'score' } },
  };
}
