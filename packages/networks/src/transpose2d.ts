import * as tf from '@tensorflow/tfjs-core';

/**
 * Name of the kernel behind {@link transpose2d} on the wasm backend: a plain JavaScript loop over the
 * wasm heap, registered by this module.
 */
export const TRANSPOSE_2D_KERNEL = 'DiffflowTranspose2d';

type Info = tf.TensorInfo;
/** What the kernel uses of tfjs-backend-wasm's backend (duck-typed: networks does not depend on it). */
interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): Info;
  typedArrayFromHeap(t: Info): Float32Array;
}

tf.registerKernel({
  kernelName: TRANSPOSE_2D_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const heap = backend as unknown as WasmHeap;
    const { x } = inputs as { x: Info };
    const [rows, cols] = x.shape as [number, number];
    const out = heap.makeOutput([cols, rows], 'float32'); // first: allocating may grow the heap and detach earlier views
    const src = heap.typedArrayFromHeap(x);
    const dst = heap.typedArrayFromHeap(out);
    for (let j = 0; j < cols; j++) {
      const o = j * rows;
      for (let i = 0; i < rows; i++) dst[o + i] = src[i * cols + j] as number;
    }
    return out;
  },
});

/**
 * mᵀ of a float32 matrix: [r, c] → [c, r], the same values as `tf.transpose(m)` (a copy: bit for bit).
 * On the wasm backend a JavaScript loop over the wasm heap ({@link TRANSPOSE_2D_KERNEL}), which at
 * the pull-backs' [256, 64] takes ~30–45 µs of CPU against ~55–75 µs for tfjs's Transpose kernel
 * (issue 27: the hand-written pull-backs transpose each layer's input for ∂W = hᵀ·dp, 183 times per
 * iteration of the main job); elsewhere, and under a gradient tape (the kernel has no gradient),
 * `tf.transpose`.
 * @param m [r, c], float32
 * @returns [c, r]
 */
export function transpose2d(m: tf.Tensor2D): tf.Tensor2D {
  if (m.rank !== 2) throw new RangeError(`transpose2d: m must be [r, c], got [${m.shape.join(', ')}]`);
  if (m.dtype !== 'float32' || tf.getBackend() !== 'wasm' || tf.engine().state.gradientDepth > 0) return tf.transpose(m);
  return tf.engine().runKernel(TRANSPOSE_2D_KERNEL, { x: m }) as tf.Tensor2D;
}
