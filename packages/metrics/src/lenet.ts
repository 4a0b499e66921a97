import * as tf from '@tensorflow/tfjs-core';
import { replayableUniforms, type Parameter } from '@diffflow/sde-core';
import { avgPool2x, conv2dSame, dense } from '@diffflow/networks';

/**
 * The sizes of a LeNet-style classifier (LeCun et al. 1998, with ReLU and 'same' padding):
 *
 *   x [B, H, W, C] → conv k×k (c1) → ReLU → 2×2 avg-pool → conv k×k (c2) → ReLU → 2×2 avg-pool
 *     → flatten [B, (H/4)(W/4)c2] → dense h1 → ReLU → dense h2 → ReLU  (the features, [B, h2])
 *     → dense `classes` (the logits)
 */
export interface LeNetArchitecture {
  /** Input image height and width (each divisible by 4: two 2×2 poolings) and channels. */
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Output channels of the two convolutions. */
  readonly convChannels: readonly [number, number];
  /** Side of the square convolution kernels (odd). */
  readonly kernel: number;
  /** Widths of the two hidden dense layers; the second is the feature dimension. */
  readonly hidden: readonly [number, number];
  /** Number of classes (logits). */
  readonly classes: number;
}

/**
 * LeNet-5's widths (6, 16 channels, 5×5 kernels, 120 → 84 hidden, 10 classes) at a given image size.
 * @param shape the images' height, width, channels (height and width divisible by 4)
 */
export function lenetArchitecture(shape: { readonly height: number; readonly width: number; readonly channels: number }): LeNetArchitecture {
  return checkArchitecture({ height: shape.height, width: shape.width, channels: shape.channels, convChannels: [6, 16], kernel: 5, hidden: [120, 84], classes: 10 });
}

/** Named architectures: `mnist32` is the images experiment's (MNIST / Fashion-MNIST padded to 32×32, one channel). */
export const lenetPresets = {
  mnist32: lenetArchitecture({ height: 32, width: 32, channels: 1 }),
} as const satisfies Record<string, LeNetArchitecture>;

/** What a classifier computes from a batch of images. */
export interface LeNetOutput {
  /** The penultimate layer's activations (after ReLU): the FD-LeNet features, [B, hidden[1]]. */
  readonly features: tf.Tensor2D;
  /** Unnormalised class scores, [B, classes]. */
  readonly logits: tf.Tensor2D;
}

/** A LeNet-style classifier on tfjs-core, its weights tfjs variables. */
export interface LeNet {
  readonly architecture: LeNetArchitecture;
  /** Named parameters in a fixed order: conv1.weight, conv1.bias, conv2.…, fc1.…, fc2.…, out.… */
  readonly parameters: readonly Parameter[];
  readonly parameterCount: number;
  /** The feature dimension, hidden[1]. */
  readonly featureDim: number;
  /**
   * Features and logits of a batch.
   * @param x [B, H, W, C] images in [−1, 1] (x = v/127.5 − 1 of 8-bit pixels v), the architecture's H, W, C
   * @returns features [B, hidden[1]] and logits [B, classes] (the caller disposes them)
   * @throws RangeError naming `x` when its shape does not match the architecture
   */
  forward(x: tf.Tensor4D): LeNetOutput;
  /** Frees the variables. */
  dispose(): void;
}

let instances = 0;

/**
 * A LeNet-style classifier with Glorot-uniform weights U(±√(6/(fan_in + fan_out))) and zero biases,
 * every weight drawn from sde-core's replayable keys (seed, 'init/lenet', k, 0), k the parameter's
 * index: the same seed gives the same network. Convolutions and dense layers are the networks
 * package's (`conv2dSame`, `dense`, `avgPool2x`), whose gradients are written for the wasm backend.
 *
 * @param architecture sizes (see {@link LeNetArchitecture}; {@link lenetPresets}.mnist32 for the images experiment)
 * @param seed integer seed of the initial weights
 * @throws RangeError naming the field of `architecture` that is out of range, or `seed`
 */
export function lenet(architecture: LeNetArchitecture, seed: number): LeNet {
  const arch = checkArchitecture(architecture);
  if (!Number.isInteger(seed)) throw new RangeError(`lenet: seed must be an integer, got ${seed}`);
  const { height, width, channels, convChannels: [c1, c2], kernel: k, hidden: [h1, h2], classes } = arch;
  const uid = `lenet#${++instances}`;
  const parameters: Parameter[] = [];
  const add = (name: string, shape: number[], values: Float32Array): tf.Variable => {
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, true, `${uid}/${name}`);
    initial.dispose();
    parameters.push({ name, variable });
    return variable;
  };
  const glorot = (name: string, shape: number[], fanIn: number, fanOut: number): tf.Variable => {
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    const size = shape.reduce((a, b) => a * b, 1);
    const u = replayableUniforms(size, { seed, purpose: 'init/lenet', iteration: parameters.length, step: 0 });
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (2 * (u[i] as number) - 1) * bound;
    return add(name, shape, values);
  };
  const zeros = (name: string, size: number): tf.Variable => add(name, [size], new Float32Array(size));
  const flat = (height / 4) * (width / 4) * c2;
  const w1 = glorot('conv1.weight', [k, k, channels, c1], k * k * channels, k * k * c1) as tf.Tensor4D;
  const b1 = zeros('conv1.bias', c1) as tf.Tensor1D;
  const w2 = glorot('conv2.weight', [k, k, c1, c2], k * k * c1, k * k * c2) as tf.Tensor4D;
  const b2 = zeros('conv2.bias', c2) as tf.Tensor1D;
  const wf1 = glorot('fc1.weight', [flat, h1], flat, h1) as tf.Tensor2D;
  const bf1 = zeros('fc1.bias', h1) as tf.Tensor1D;
  const wf2 = glorot('fc2.weight', [h1, h2], h1, h2) as tf.Tensor2D;
  const bf2 = zeros('fc2.bias', h2) as tf.Tensor1D;
  const wo = glorot('out.weight', [h2, classes], h2, classes) as tf.Tensor2D;
  const bo = zeros('out.bias', classes) as tf.Tensor1D;
  const parameterCount = parameters.reduce((s, p) => s + p.variable.size, 0);

  return {
    architecture: arch,
    parameters,
    parameterCount,
    featureDim: h2,
    forward(x) {
      if (x.rank !== 4 || x.shape[1] !== height || x.shape[2] !== width || x.shape[3] !== channels) {
        throw new RangeError(`lenet.forward: x must be [B, ${height}, ${width}, ${channels}] (the classifier's image size), got [${x.shape.join(', ')}]`);
      }
      return tf.tidy(() => {
        const p1 = avgPool2x(tf.relu(conv2dSame(x, w1, b1)));
        const p2 = avgPool2x(tf.relu(conv2dSame(p1, w2, b2)));
        const f1 = tf.relu(dense(tf.reshape(p2, [x.shape[0], flat]) as tf.Tensor2D, wf1, bf1));
        const features = tf.relu(dense(f1, wf2, bf2));
        return { features, logits: dense(features, wo, bo) };
      });
    },
    dispose() {
      for (const p of parameters) p.variable.dispose();
    },
  };
}

/**
 * Checks every field of an architecture; returns it unchanged.
 * @throws RangeError naming the field and its allowed range
 */
export function checkArchitecture(a: LeNetArchitecture): LeNetArchitecture {
  const positive = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`LeNetArchitecture: ${name} must be an integer ≥ 1, got ${String(v)}`);
  };
  positive('height', a.height);
  positive('width', a.width);
  positive('channels', a.channels);
  if (a.height % 4 !== 0) throw new RangeError(`LeNetArchitecture: height must be divisible by 4 (two 2×2 poolings), got ${a.height}`);
  if (a.width % 4 !== 0) throw new RangeError(`LeNetArchitecture: width must be divisible by 4 (two 2×2 poolings), got ${a.width}`);
  if (!Array.isArray(a.convChannels) || a.convChannels.length !== 2) throw new RangeError(`LeNetArchitecture: convChannels must be [c1, c2], got ${JSON.stringify(a.convChannels)}`);
  if (!Array.isArray(a.hidden) || a.hidden.length !== 2) throw new RangeError(`LeNetArchitecture: hidden must be [h1, h2], got ${JSON.stringify(a.hidden)}`);
  a.convChannels.forEach((c, i) => positive(`convChannels[${i}]`, c));
  a.hidden.forEach((h, i) => positive(`hidden[${i}]`, h));
  positive('kernel', a.kernel);
  if (a.kernel % 2 !== 1) throw new RangeError(`LeNetArchitecture: kernel must be odd, got ${a.kernel}`);
  positive('classes', a.classes);
  if (a.classes < 2) throw new RangeError(`LeNetArchitecture: classes must be ≥ 2, got ${a.classes}`);
  return a;
}
