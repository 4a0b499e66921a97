import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour ×2 upsampling, y[b, i, j] = x[b, ⌊i/2⌋, ⌊j/2⌋]. Its gradient sums each 2×2
 * block of dy, written as 4 · avgPool(dy, 2, 2): one fast wasm kernel.
 * @param x [B, H, W, C]  @returns [B, 2H, 2W, C]
 */
export const upsampleNearest2x = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x] = args as [tf.Tensor4D, tf.GradSaveFunc];
  const [, h, w] = x.shape;
  return {
    value: tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => [tf.mul(tf.avgPool(dy as tf.Tensor4D, 2, 2, 'valid'), 4)]),
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * 2×2 average pooling, stride 2 (the parameter-free downsampling). H and W must be even.
 * @param x [B, H, W, C]  @returns [B, H/2, W/2, C]
 */
export function avgPool2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, 'valid');
}
