import * as tf from '@tensorflow/tfjs-core';
import { replayableUniforms, replayableNormals } from '@diffflow/sde-core';
import { activation, activationNames, type ActivationName } from './activation.js';
import { dense } from './dense.js';
import type { Parameter, VectorField } from './vector_field.js';

/** Options of {@link fourierMlp}; defaults are the reference 2-D network. */
export interface FourierMlpOptions {
  /** Data dimension D (inputs and outputs are [B, D]). */
  readonly dim: number;
  /** Width of every hidden layer (reference: 128). */
  readonly hidden?: number;
  /** Number of hidden ch→ch layers after the input layer (reference: 3). */
  readonly layers?: number;
  /** Smooth activation (reference: GELU; here its sigmoid form, see activation.ts). */
  readonly activation?: ActivationName;
  /** Seed of the initial weights. */
  readonly seed?: number;
  /** Name of the field ('drift', 'score', …); prefixes the tfjs variable names. */
  readonly name?: string;
}

let instances = 0;

/**
 * Fourier-time MLP, the reference DiffFlow network for points:
 *   a = c ⊙ t + φ  (c = linspace(0.1, 100, h) fixed, φ trainable),
 *   e = W₂ σ(W₁ [sin a, cos a] + b₁) + b₂,
 *   h₀ = σ(W_in x + b_in + e),  h_{k+1} = σ(W_k h_k + b_k),  out = W_out h_L + b_out.
 * The time embedding is computed once per call on [1, h] when t is shared by the batch.
 *
 * Parameters for D = 2, h = 128, L = 3: 99,714 (as the reference).
 */
export function fourierMlp(options: FourierMlpOptions): VectorField {
  const { dim, hidden = 128, layers = 3, seed = 0, name = 'mlp' } = options;
  const act = activation(options.activation ?? 'gelu');
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`fourierMlp: dim must be an integer ≥ 1, got ${dim}`);
  if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`fourierMlp: hidden must be an integer ≥ 1, got ${hidden}`);
  if (!Number.isInteger(layers) || layers < 0) throw new RangeError(`fourierMlp: layers must be an integer ≥ 0, got ${layers}`);
  if (!activationNames.includes(options.activation ?? 'gelu')) {
    throw new RangeError(`fourierMlp: activation must be one of ${activationNames.join(', ')}, got ${options.activation}`);
  }
  const uid = `${name}#${++instances}`;
  const parameters: Parameter[] = [];
  let draw = 0;
  const add = (pname: string, shape: number[], values: Float32Array): tf.Variable => {
    const variable = tf.variable(tf.tensor(values, shape, 'float32'), true, `${uid}/${pname}`);
    parameters.push({ name: pname, variable });
    return variable;
  };
  /** PyTorch's nn.Linear initialisation: U(−1/√fan_in, 1/√fan_in) for weight and bias. */
  const linear = (pname: string, fanIn: number, fanOut: number): [tf.Variable, tf.Variable] => {
    const bound = 1 / Math.sqrt(fanIn);
    const uniform = (n: number): Float32Array =>
      Float32Array.from(replayableUniforms(n, { seed, purpose: `init/${name}`, iteration: draw++, step: 0 }), (u) => (2 * u - 1) * bound);
    return [add(`${pname}.weight`, [fanIn, fanOut], uniform(fanIn * fanOut)), add(`${pname}.bias`, [fanOut], uniform(fanOut))];
  };

  const coeff = tf.keep(tf.tidy(() => tf.reshape(tf.linspace(0.1, 100, hidden), [1, hidden])));
  const phase = add('time.phase', [1, hidden], replayableNormals(hidden, { seed, purpose: `init/${name}`, iteration: draw++, step: 0 }));
  const [inW, inB] = linear('input', dim, hidden);
  const [t1W, t1B] = linear('time.0', 2 * hidden, hidden);
  const [t2W, t2B] = linear('time.1', hidden, hidden);
  const body = Array.from({ length: layers }, (_, k) => linear(`hidden.${k}`, hidden, hidden));
  const [outW, outB] = linear('output', hidden, dim);

  const timeEmbedding = (t: number | tf.Tensor1D): tf.Tensor2D => {
    const a = typeof t === 'number' ? tf.add(tf.mul(coeff, t), phase) : tf.add(tf.mul(tf.reshape(t, [-1, 1]), coeff), phase);
    const feats = tf.concat([tf.sin(a), tf.cos(a)], 1) as tf.Tensor2D;
    return dense(act(dense(feats, t1W as tf.Tensor2D, t1B as tf.Tensor1D)) as tf.Tensor2D, t2W as tf.Tensor2D, t2B as tf.Tensor1D);
  };

  const apply = (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor =>
    tf.tidy(() => {
      if (x.rank !== 2 || x.shape[1] !== dim) throw new RangeError(`${name}: x must be [B, ${dim}], got [${x.shape.join(', ')}]`);
      if (typeof t !== 'number' && (t.rank !== 1 || t.shape[0] !== x.shape[0])) {
        throw new RangeError(`${name}: t must be a number or [B] = [${x.shape[0]}], got [${t.shape.join(', ')}]`);
      }
      let h = act(tf.add(dense(x as tf.Tensor2D, inW as tf.Tensor2D, inB as tf.Tensor1D), timeEmbedding(t))) as tf.Tensor2D;
      for (const [w, b] of body) h = act(dense(h, w as tf.Tensor2D, b as tf.Tensor1D)) as tf.Tensor2D;
      return dense(h, outW as tf.Tensor2D, outB as tf.Tensor1D);
    });

  return {
    name,
    apply,
    parameters,
    parameterCount: parameters.reduce((n, p) => n + p.variable.size, 0),
    dispose: () => {
      tf.dispose(parameters.map((p) => p.variable));
      coeff.dispose();
    },
  };
}
