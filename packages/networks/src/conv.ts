import * as tf from '@tensorflow/tfjs-core';

/**
 * TensorFlow's 'same' padding along one spatial axis: output size ⌈n/s⌉, and the zeros added
 * before and after (the odd one goes after, as in TensorFlow and the original DDPM U-Net).
 */
export function samePadding(size: number, kernel: number, stride: number): { out: number; before: number; after: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

type Pads = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Σ over the rows of m [R, C] → [C], or per sample over the positions of m [B, N, C] → [B, C], as
 * one matMul with a row of ones: on wasm ~10× faster than tf.sum over a leading axis.
 */
export function rowSum(m: tf.Tensor2D): tf.Tensor1D;
export function rowSum(m: tf.Tensor3D): tf.Tensor2D;
export function rowSum(m: tf.Tensor2D | tf.Tensor3D): tf.Tensor1D | tf.Tensor2D {
  if (m.rank === 2) {
    const [r, c] = m.shape as [number, number];
    return tf.reshape(tf.matMul(tf.ones([1, r]), m as tf.Tensor2D), [c]) as tf.Tensor1D;
  }
  const [b, n, c] = m.shape as [number, number, number];
  return tf.reshape(tf.matMul(tf.ones([b, 1, n]), m as tf.Tensor3D), [b, c]) as tf.Tensor2D;
}

/** Spreads dy [B, Ho, Wo, C] onto a stride-s lattice: z[b, s·i, s·j] = dy[b, i, j], zeros elsewhere. */
function dilate(dy: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return dy;
  const [b, ho, wo, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, ho, 1, wo, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
  return tf.reshape(spread, [b, s * ho, s * wo, c]);
}

/** Crops the spatial axes of z where an amount is negative; returns the padding left to apply. */
function cropForPadding(z: tf.Tensor4D, top: number, bottom: number, left: number, right: number): { z: tf.Tensor4D; pads: Pads } {
  const [b, h, w, c] = z.shape;
  const [ct, cb, cl, cr] = [top, bottom, left, right].map((p) => Math.max(-p, 0)) as [number, number, number, number];
  const cropped = ct + cb + cl + cr === 0 ? z : tf.slice(z, [0, ct, cl, 0], [b, h - ct - cb, w - cl - cr, c]);
  return { z: cropped, pads: [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]] };
}

/**
 * ∂x of y = x ⋆ w ('same', stride s): the transposed convolution, computed as a stride-1
 * convolution of the dilated dy with the flipped, channel-swapped filter (wasm's
 * Conv2DBackpropInput kernel is several times slower than its Conv2D).
 * @param dy [B, Ho, Wo, Co]  @param w [K, K', Ci, Co]  @returns [B, H, W, Ci]
 */
export function convGradInput(dy: tf.Tensor4D, w: tf.Tensor4D, inputShape: readonly number[], stride: number): tf.Tensor4D {
  const [, h, wd] = inputShape as [number, number, number, number];
  const [k, kw] = w.shape;
  const ph = samePadding(h, k, stride);
  const pw = samePadding(wd, kw, stride);
  const { z, pads } = cropForPadding(
    dilate(dy, stride),
    k - 1 - ph.before,
    h + ph.before - stride * ph.out,
    kw - 1 - pw.before,
    wd + pw.before - stride * pw.out,
  );
  const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(z, flipped, 1, pads);
}

/**
 * ∂w of y = x ⋆ w ('same', stride s): ∂w[ky, kx, ci, co] = Σ_{b,i,j} xpad[b, s·i + ky, s·j + kx, ci] dy[b, i, j, co],
 * itself a convolution, with the channels as batch, the batch as channels and dy as a (dilated)
 * filter: wasm has no Conv2DBackpropFilter kernel, and this beat im2col + matMul at the U-Net's sizes.
 * @param x [B, H, W, Ci]  @param dy [B, Ho, Wo, Co]  @returns [K, K', Ci, Co]
 */
export function convGradFilter(x: tf.Tensor4D, dy: tf.Tensor4D, kernel: readonly [number, number], stride: number): tf.Tensor4D {
  const [, h, wd] = x.shape;
  const ph = samePadding(h, kernel[0], stride);
  const pw = samePadding(wd, kernel[1], stride);
  const input = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, H, W, B]
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, B, Co]
  const pads: Pads = [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]];
  return tf.transpose(tf.conv2d(input, filter, 1, pads, 'NHWC', stride), [1, 2, 0, 3]);
}

const ops = new Map<number, (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D>();

function convOp(stride: number): (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D {
  const cached = ops.get(stride);
  if (cached !== undefined) return cached;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.fused.conv2d({ x, filter: w, strides: stride, pad: 'same', bias: b }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        // tfjs runs gradFunc outside any tidy: without this, every intermediate lives to the end of backprop
        tf.tidy(() => {
          const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
          const d = dy as tf.Tensor4D;
          return [
            convGradInput(d, ws, xs.shape, stride),
            convGradFilter(xs, d, [ws.shape[0], ws.shape[1]], stride),
            rowSum(tf.reshape(d, [-1, d.shape[3]]) as tf.Tensor2D),
          ];
        }),
    };
  }) as (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;
  ops.set(stride, op);
  return op;
}

/**
 * 2-D convolution with bias, TensorFlow 'same' padding, NHWC: y = x ⋆ w + b, with its gradient
 * built from forward Conv2D kernels only ({@link convGradInput}, {@link convGradFilter}).
 *
 * @param x [B, H, W, Ci]  @param w [K, K', Ci, Co]  @param b [Co]
 * @param stride 1 or more (the U-Net downsamples with 2)
 * @returns [B, ⌈H/s⌉, ⌈W/s⌉, Co]
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride = 1): tf.Tensor4D {
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`conv2dSame: stride must be an integer ≥ 1, got ${stride}`);
  if (x.rank !== 4 || w.rank !== 4 || x.shape[3] !== w.shape[2] || b.rank !== 1 || b.shape[0] !== w.shape[3]) {
    throw new RangeError(
      `conv2dSame: x [B, H, W, Ci], w [K, K, Ci, Co], b [Co] expected, got x [${x.shape.join(', ')}], w [${w.shape.join(', ')}], b [${b.shape.join(', ')}]`,
    );
  }
  return convOp(stride)(x, w, b);
}
