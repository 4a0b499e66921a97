import * as tf from '@tensorflow/tfjs-core';
import { transpose2d } from './transpose2d.js';
import { heapOffset, wasmKernelsApply, wasmKernelsOf, type WasmHeapBackend, type WasmKernels } from './wasm_kernels.js';

/**
 * Name of the kernel behind {@link gatedDensePullback} on the wasm backend, registered by this module:
 * the `layerGrad` of the wasm kernels (wasm_kernels.ts), one call where tfjs runs four kernels
 * (Multiply, a transpose, a matMul that packs a fresh operand, and the column sum).
 */
export const DENSE_PULLBACK_KERNEL = 'DiffflowGatedDensePullback';

tf.registerKernel({
  kernelName: DENSE_PULLBACK_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const heap = backend as unknown as WasmHeapBackend;
    const { input, dOut, slope } = inputs as { input: tf.TensorInfo; dOut: tf.TensorInfo; slope: tf.TensorInfo };
    const [rows, m] = input.shape as [number, number];
    const n = dOut.shape[1] as number;
    const kernels = wasmKernelsOf(backend) as WasmKernels; // the caller runs this kernel only where it is
    const dPre = heap.makeOutput([rows, n], 'float32');
    const dWeight = heap.makeOutput([m, n], 'float32');
    const dBias = heap.makeOutput([n], 'float32');
    const o = (t: tf.TensorInfo): number => heapOffset(heap, t);
    kernels.layerGrad(o(input), o(dOut), o(slope), o(dPre), o(dWeight), o(dBias), rows, m, n);
    return [dPre, dWeight, dBias];
  },
});

/** The cotangents of a gated dense layer's pre-activation and parameters (see {@link gatedDensePullback}). */
export interface DensePullback {
  /** dp = dOut ⊙ slope: [B, n], the cotangent of the pre-activation p = input·W + b. */
  readonly dPre: tf.Tensor2D;
  /** ∂W = inputᵀ·dp: [m, n]. */
  readonly dWeight: tf.Tensor2D;
  /** ∂b = Σ_rows dp: [n]. */
  readonly dBias: tf.Tensor1D;
}

/**
 * The pull-back of a gated dense layer y = φ(input·W + b), given the cotangent dOut of y and the gate's
 * derivative `slope` = φ′ at the pre-activation (what a hand-written pull-back cached in the forward
 * pass): dp = dOut ⊙ slope, ∂W = inputᵀ·dp, ∂b = Σ_rows dp. The caller continues with dp·Wᵀ.
 *
 * On wasm one kernel of the package's own ({@link DENSE_PULLBACK_KERNEL}): ∂W summed in 4 × 8
 * register blocks over the rows in row order, ∂b likewise, nothing packed (tfjs's matMul would pack
 * the fresh dp first; timings: `npx nx run bench:wasm-kernels`). Elsewhere, and under a gradient
 * tape, tfjs's ops (transpose2d and a matMul for ∂W, a ones-row matMul for ∂b). The two differ by the
 * order of float32 sums only (each entry tested against its float64 sum within the recursive-
 * summation bound B·2⁻²⁴·Σ|terms|). Frees nothing it is given.
 * @param input [B, m]
 * @param dOut [B, n]
 * @param slope [B, n]
 */
export function gatedDensePullback(input: tf.Tensor2D, dOut: tf.Tensor2D, slope: tf.Tensor2D): DensePullback {
  const rows = input.shape[0];
  const n = dOut.shape[1];
  if (input.rank !== 2 || dOut.rank !== 2 || slope.rank !== 2 || dOut.shape[0] !== rows || slope.shape[0] !== rows || slope.shape[1] !== n) {
    throw new RangeError(`gatedDensePullback: input must be [B, m] and dOut, slope [B, n], got [${input.shape.join(', ')}], [${dOut.shape.join(', ')}], [${slope.shape.join(', ')}]`);
  }
  if (wasmKernelsApply([input, dOut, slope])) {
    const [dPre, dWeight, dBias] = tf.engine().runKernel(DENSE_PULLBACK_KERNEL, { input, dOut, slope }) as tf.Tensor[];
    return { dPre: dPre as tf.Tensor2D, dWeight: dWeight as tf.Tensor2D, dBias: dBias as tf.Tensor1D };
  }
  return tf.tidy(() => {
    const dPre = tf.mul(dOut, slope) as tf.Tensor2D;
    return {
      dPre,
      // [m, B]·[B, n]: the explicit transpose and XNNPACK beat wasm's flagged matMul ~8×
      dWeight: tf.matMul(transpose2d(input), dPre) as tf.Tensor2D,
      dBias: tf.reshape(tf.matMul(tf.ones([rows, 1]), dPre, true, false), [n]) as tf.Tensor1D,
    };
  });
}
