import * as tf from '@tensorflow/tfjs-core';
import { rowSum } from './conv.js';

// Group normalisation (Wu & He 2018), written for the wasm backend. Per sample b and group g
// (C/G channels × N = H·W positions), over the channels of one or several tensors side by side
// (the U-Net's skip concatenation, never materialised):
//   μ = ⟨x⟩,  c = x − μ,  σ² = ⟨c²⟩ (two passes),  r = 1/√(σ² + ε),  y = γ c r + β.
// Backward, with ĝ = γ ⊙ du and ⟨·⟩ the group mean:
//   ∂x = r (ĝ − ⟨ĝ⟩ − c r ⟨ĝ c r⟩) = du·(γ r) − c·(r² m₂) − r m₁,  m₁ = ⟨ĝ⟩, m₂ = ⟨ĝ c⟩ r,
//   ∂γ = Σ_{b,n} du c r,  ∂β = Σ_{b,n} du.
// Every reduction over positions is a matMul with ones ([B, 1, N]·[B, N, C]); every full-size op
// broadcasts a per-(b, c) [B, 1, C] factor over the positions; wasm runs both fast, unlike
// reductions over middle axes and broadcasts over [B, N, G, C/G].

/**
 * Per-(b, c) group means of per-channel sums over N positions, [B, C] → [B, C]: one matMul with the
 * block-diagonal averaging matrix A[c, c'] = 1/(N·C/G) when c and c' share a group (fewer small
 * kernels than reshape, sum, divide and tile).
 */
function groupMean(sums: tf.Tensor2D, groups: number, positions: number): tf.Tensor2D {
  const c = sums.shape[1];
  const size = c / groups;
  const average = new Float32Array(c * c);
  for (let i = 0; i < c; i++) {
    const start = Math.floor(i / size) * size;
    for (let j = start; j < start + size; j++) average[i * c + j] = 1 / (positions * size);
  }
  return tf.matMul(sums, tf.tensor2d(average, [c, c]));
}

/** Channels of several [B, C_k] side by side (no copy for one). */
const join = (parts: tf.Tensor2D[]): tf.Tensor2D => (parts.length === 1 ? (parts[0] as tf.Tensor2D) : tf.concat(parts, 1));

/** The inverse of {@link join} for channel counts `sizes`. */
export function splitChannels<T extends tf.Tensor>(t: T, sizes: readonly number[]): T[] {
  return sizes.length === 1 ? [t] : (tf.split(t, sizes as number[], t.rank - 1) as T[]);
}

/** What the forward pass keeps for the backward pass. */
export interface Normalised {
  /** c = x − μ per part, [B, N, C_k]. */
  readonly centred: tf.Tensor3D[];
  /** r = 1/√(σ² + ε) per channel, [B, C]. */
  readonly rstd: tf.Tensor2D;
}

/** μ, c and r of parts [B, N, C_k] normalised together. */
export function normaliseParts(parts: readonly tf.Tensor3D[], groups: number, eps: number): Normalised {
  const positions = (parts[0] as tf.Tensor3D).shape[1];
  const sizes = parts.map((p) => p.shape[2]);
  const mean = splitChannels(groupMean(join(parts.map((p) => rowSum(p))), groups, positions), sizes);
  const centred = parts.map((p, k) => tf.sub(p, tf.expandDims(mean[k] as tf.Tensor2D, 1)) as tf.Tensor3D);
  const variance = groupMean(join(centred.map((c) => rowSum(tf.square(c) as tf.Tensor3D))), groups, positions);
  return { centred, rstd: tf.rsqrt(tf.add(variance, eps)) as tf.Tensor2D };
}

/** ∂x per part, ∂γ, ∂β of y = γ c r + β for the upstream gradients du [B, N, C_k]. */
export function normaliseBackward(
  du: readonly tf.Tensor3D[],
  saved: Normalised,
  gamma: tf.Tensor1D,
  groups: number,
): { dx: tf.Tensor3D[]; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D } {
  const { centred, rstd } = saved;
  const positions = (du[0] as tf.Tensor3D).shape[1];
  const sizes = du.map((d) => d.shape[2]);
  const sumDu = join(du.map((d) => rowSum(d)));
  const sumDuC = join(du.map((d, k) => rowSum(tf.mul(d, centred[k] as tf.Tensor3D) as tf.Tensor3D)));
  const m1 = groupMean(tf.mul(sumDu, gamma), groups, positions);
  const m2 = tf.mul(groupMean(tf.mul(sumDuC, gamma), groups, positions), rstd);
  const p = splitChannels(tf.mul(rstd, gamma) as tf.Tensor2D, sizes);
  const q = splitChannels(tf.neg(tf.mul(tf.square(rstd), m2)) as tf.Tensor2D, sizes);
  const r = splitChannels(tf.neg(tf.mul(rstd, m1)) as tf.Tensor2D, sizes);
  const dx = du.map((d, k) => {
    const scaled = tf.mul(d, tf.expandDims(p[k] as tf.Tensor2D, 1));
    const shifted = tf.add(tf.mul(centred[k] as tf.Tensor3D, tf.expandDims(q[k] as tf.Tensor2D, 1)), tf.expandDims(r[k] as tf.Tensor2D, 1));
    return tf.add(scaled, shifted) as tf.Tensor3D;
  });
  return { dx, dgamma: tf.sum(tf.mul(rstd, sumDuC), 0), dbeta: tf.sum(sumDu, 0) };
}

/** y = γ c r + β per part: [B, N, C_k]. */
export function affineParts(saved: Normalised, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor3D[] {
  const sizes = saved.centred.map((c) => c.shape[2]);
  const scale = splitChannels(tf.mul(saved.rstd, gamma) as tf.Tensor2D, sizes);
  const shift = splitChannels(beta, sizes);
  return saved.centred.map(
    (c, k) => tf.add(tf.mul(c, tf.expandDims(scale[k] as tf.Tensor2D, 1)), shift[k] as tf.Tensor1D) as tf.Tensor3D,
  );
}

/** Checks G and ε; throws RangeError naming them. */
export function checkGroups(groups: number, eps: number, where: string): void {
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${where}: groups must be an integer ≥ 1, got ${groups}`);
  if (!(eps > 0)) throw new RangeError(`${where}: eps must be > 0, got ${eps}`);
}

/** Group normalisation of x [B, H, W, C] with G groups (C divisible by G). */
export type GroupNorm = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D;

const ops = new Map<string, GroupNorm>();

/**
 * Group normalisation with its gradient written out (see the formulas at the top of this file).
 * @param groups G, dividing the channel count C of every input
 * @param eps ε (DDPM's TensorFlow group norm: 1e-6)
 */
export function groupNorm(groups: number, eps = 1e-6): GroupNorm {
  checkGroups(groups, eps, 'groupNorm');
  const key = `${groups}/${eps}`;
  const cached = ops.get(key);
  if (cached !== undefined) return cached;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const [b, h, w, c] = x.shape;
    if (c % groups !== 0 || gamma.shape[0] !== c || beta.shape[0] !== c) {
      throw new RangeError(
        `groupNorm: x [${x.shape.join(', ')}] needs C divisible by ${groups} groups and γ, β [C], got γ [${gamma.shape.join(', ')}], β [${beta.shape.join(', ')}]`,
      );
    }
    const { y, keep } = tf.tidy(() => {
      const normalised = normaliseParts([tf.reshape(x, [b, h * w, c])], groups, eps);
      return {
        y: tf.reshape(affineParts(normalised, gamma, beta)[0] as tf.Tensor3D, x.shape) as tf.Tensor4D,
        keep: [normalised.centred[0] as tf.Tensor3D, normalised.rstd, gamma],
      };
    });
    save(keep);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        // tfjs runs gradFunc outside any tidy: without this, every intermediate lives to the end of backprop
        tf.tidy(() => {
          const [centred, rstd, g] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D];
          const du = tf.reshape(dy, centred.shape) as tf.Tensor3D;
          const { dx, dgamma, dbeta } = normaliseBackward([du], { centred: [centred], rstd }, g, groups);
          return [tf.reshape(dx[0] as tf.Tensor3D, [b, h, w, c]), dgamma, dbeta];
        }),
    };
  }) as GroupNorm;
  ops.set(key, op);
  return op;
}
