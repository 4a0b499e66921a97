import * as tf from '@tensorflow/tfjs-core';
import { convGradFilter, convGradInput, rowSum } from './conv.js';
import { affineParts, checkGroups, normaliseBackward, normaliseParts, type Normalised } from './group_norm.js';

/**
 * y = conv(SiLU(GN([x₁ | x₂ | …])), w) + b: the U-Net's "norm → activation → 3×3 conv" stage as one
 * op over channel blocks x_k [B, H, W, C_k] that are never concatenated (the up path's skip
 * connections): GN's statistics are taken over all blocks together, exactly as over the
 * concatenation, and the convolution splits into Σ_k conv(·, w_k) with w_k the rows of w that meet
 * block k. Channel concat and its split gradient are among wasm's slowest kernels at these sizes.
 *
 * SiLU(u) = u σ(u) (sigmoid form; tanh is slow on wasm), with derivative σ + v (1 − σ), v = u σ.
 * Convolution: 'same' padding, stride 1, gradients from forward Conv2D kernels (see conv.ts).
 */
export type NormSiluConv = (
  parts: readonly tf.Tensor4D[],
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  weights: readonly tf.Tensor4D[],
  bias: tf.Tensor1D | tf.Tensor2D,
) => tf.Tensor4D;

type Op = (...inputs: tf.Tensor[]) => tf.Tensor4D;
const ops = new Map<string, Op>();

function buildOp(blocks: number, groups: number, eps: number): Op {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    const parts = inputs.slice(0, blocks) as tf.Tensor4D[];
    const [gamma, beta] = inputs.slice(blocks, blocks + 2) as [tf.Tensor1D, tf.Tensor1D];
    const weights = inputs.slice(blocks + 2, 2 * blocks + 2) as tf.Tensor4D[];
    const bias = inputs[2 * blocks + 2] as tf.Tensor1D | tf.Tensor2D;
    const [b, h, w] = (parts[0] as tf.Tensor4D).shape;
    const n = h * w;

    const shared = bias.rank === 1;
    const co = (weights[0] as tf.Tensor4D).shape[3];
    // forward temporaries (squares, u) freed at once; what the backward pass needs is kept
    const { y, keep } = tf.tidy(() => {
      const normalised = normaliseParts(parts.map((p) => tf.reshape(p, [b, n, p.shape[3]]) as tf.Tensor3D), groups, eps);
      const u = affineParts(normalised, gamma, beta);
      const sig = u.map((uk) => tf.sigmoid(uk) as tf.Tensor3D);
      const v = u.map((uk, k) => tf.reshape(tf.mul(uk, sig[k] as tf.Tensor3D), [b, h, w, uk.shape[2]]) as tf.Tensor4D);
      let y: tf.Tensor4D = shared
        ? tf.fused.conv2d({ x: v[0] as tf.Tensor4D, filter: weights[0] as tf.Tensor4D, strides: 1, pad: 'same', bias })
        : tf.conv2d(v[0] as tf.Tensor4D, weights[0] as tf.Tensor4D, 1, 'same');
      for (let k = 1; k < blocks; k++) y = tf.add(y, tf.conv2d(v[k] as tf.Tensor4D, weights[k] as tf.Tensor4D, 1, 'same'));
      if (!shared) y = tf.reshape(tf.add(tf.reshape(y, [b, n, co]), tf.expandDims(bias, 1)), [b, h, w, co]);
      return { y, keep: [...normalised.centred, normalised.rstd, gamma, ...sig, ...v, ...weights] };
    });
    save(keep);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        // tfjs runs gradFunc outside any tidy: without this, every intermediate lives to the end of backprop
        tf.tidy(() => {
          const centred = saved.slice(0, blocks) as tf.Tensor3D[];
          const [rstd, g] = saved.slice(blocks, blocks + 2) as [tf.Tensor2D, tf.Tensor1D];
          const sg = saved.slice(blocks + 2, 2 * blocks + 2) as tf.Tensor3D[];
          const vs = saved.slice(2 * blocks + 2, 3 * blocks + 2) as tf.Tensor4D[];
          const ws = saved.slice(3 * blocks + 2) as tf.Tensor4D[];
          const d = dy as tf.Tensor4D;
          const dyFlat = tf.reshape(d, [b, n, co]) as tf.Tensor3D;
          const dbias = shared ? rowSum(tf.reshape(dyFlat, [b * n, co]) as tf.Tensor2D) : rowSum(dyFlat);
          const dw = vs.map((vk, k) => convGradFilter(vk, d, [(ws[k] as tf.Tensor4D).shape[0], (ws[k] as tf.Tensor4D).shape[1]], 1));
          const du = vs.map((vk, k) => {
            const dv = tf.reshape(convGradInput(d, ws[k] as tf.Tensor4D, vk.shape, 1), [b, n, vk.shape[3]]);
            const s = sg[k] as tf.Tensor3D;
            const v3 = tf.reshape(vk, s.shape);
            // SiLU′ = σ + v (1 − σ) = σ + v − v σ
            return tf.mul(dv, tf.sub(tf.add(s, v3), tf.mul(v3, s))) as tf.Tensor3D;
          });
          const saveNorm: Normalised = { centred, rstd };
          const { dx, dgamma, dbeta } = normaliseBackward(du, saveNorm, g, groups);
          return [...dx.map((dxk, k) => tf.reshape(dxk, (vs[k] as tf.Tensor4D).shape)), dgamma, dbeta, ...dw, dbias];
        }),
    };
  }) as Op;
}

/**
 * The fused GN → SiLU → conv op for G groups (see {@link NormSiluConv}).
 * @param groups G, dividing the total channel count Σ C_k
 * @param eps ε of the group norm (DDPM: 1e-6)
 * @returns (parts [B, H, W, C_k]…, γ [ΣC_k], β [ΣC_k], weights [K, K, C_k, Co]…, bias [Co] or [B, Co]) → [B, H, W, Co]
 */
export function normSiluConv(groups: number, eps = 1e-6): NormSiluConv {
  checkGroups(groups, eps, 'normSiluConv');
  return (parts, gamma, beta, weights, bias) => {
    const c = parts.reduce((s, p) => s + p.shape[3], 0);
    const [b, h, w] = parts[0]?.shape ?? [0, 0, 0];
    const co = weights[0]?.shape[3] ?? 0;
    const bad =
      parts.length === 0 ||
      weights.length !== parts.length ||
      parts.some((p) => p.rank !== 4 || p.shape[0] !== b || p.shape[1] !== h || p.shape[2] !== w) ||
      weights.some((wk, k) => wk.rank !== 4 || wk.shape[2] !== (parts[k] as tf.Tensor4D).shape[3] || wk.shape[3] !== co) ||
      gamma.shape[0] !== c ||
      beta.shape[0] !== c ||
      c % groups !== 0 ||
      (bias.rank === 1 ? bias.shape[0] !== co : bias.shape[0] !== b || bias.shape[1] !== co);
    if (bad) {
      const shapes = (ts: readonly tf.Tensor[]): string => ts.map((t) => `[${t.shape.join(', ')}]`).join(', ');
      throw new RangeError(
        `normSiluConv: parts [B, H, W, C_k] with Σ C_k divisible by ${groups} groups, γ and β [Σ C_k], weights [K, K, C_k, Co], ` +
          `bias [Co] or [B, Co] expected, got parts ${shapes(parts)}, γ [${gamma.shape}], β [${beta.shape}], weights ${shapes(weights)}, bias [${bias.shape}]`,
      );
    }
    const key = `${parts.length}/${groups}/${eps}`;
    let op = ops.get(key);
    if (op === undefined) {
      op = buildOp(parts.length, groups, eps);
      ops.set(key, op);
    }
    return op(...parts, gamma, beta, ...weights, bias);
  };
}
