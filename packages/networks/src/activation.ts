import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, wasmKernelsApply, wasmKernelsOf, type WasmHeapBackend, type WasmKernels } from './wasm_kernels.js';

/** Names of the smooth activations on offer (see {@link activation}). */
export const activationNames = ['gelu', 'silu'] as const;
/** One of {@link activationNames}. */
export type ActivationName = (typeof activationNames)[number];

const GELU_SIGMOID_SCALE = 1.702;

/**
 * ε = 2⁻⁴⁰ ≈ 9.1e-13: every gate's sigmoid is flushed to zero below it, σ̃(z) = max(σ(z) − ε, 0)
 * (see {@link flushedSigmoid}).
 */
export const GATE_FLUSH = 2 ** -40;

/**
 * σ̃(z) = max(σ(z) − ε, 0) with ε = {@link GATE_FLUSH}: the sigmoid of every gate, exactly zero where
 * σ(z) < ε (z below about −27.7).
 *
 * Why: a trained network has dead units whose pre-activations sit far below zero (issue 27: z down to
 * −87 after ~800 iterations of the main job). There σ(z) is a tiny normal float (down to 1.2e-38;
 * XNNPACK's sigmoid itself returns 0 below −87.34), and so are the gate x·σ(ax), its derivative and
 * the cotangents through it (dh·σ′ ≈ 1e-5 · 1e-30). Their products in the next matMul underflow into
 * the subnormal range, which wasm cannot flush to zero: a [256, 64]·[64, 64] product whose left operand
 * is ~1e-36 takes 3–9× as long as on normal inputs, and the main job's iterations grew 2.1–2.4×
 * slower. With the flush a dead unit's gate, derivative and cotangent are exact zeros.
 *
 * Cost in accuracy: σ is unchanged bit for bit where σ(z) ≥ 2⁻¹⁵ (z ≥ −10.4; subtracting ε is below
 * half an ulp there); elsewhere it moves by at most ε, so a gate value x·σ̃(ax) and its derivative move
 * by at most (1 + |ax|)·ε ≤ 3e-11 (the largest |ax| with σ ≥ ε is 27.7) — four orders of magnitude
 * below the float32 rounding of an O(1e-3) activation. Two kernels (Sub, Relu) per gate.
 * @param z any shape
 */
export function flushedSigmoid<T extends tf.Tensor>(z: T): T {
  return tf.tidy(() => tf.relu(tf.sub(tf.sigmoid(z), GATE_FLUSH)) as T);
}

/**
 * x·σ(a x) with its gradient σ(a x) + a x σ(a x)(1 − σ(a x)), built from sigmoid and arithmetic:
 * on wasm tanh costs ~16× a sigmoid, so the tanh/erf forms of GELU are avoided.
 * a = 1.702 is the sigmoid approximation of GELU (max abs error ≈ 0.02); a = 1 is SiLU (swish).
 * σ is {@link flushedSigmoid} (zero below ε = 2⁻⁴⁰) in the value and the gradient alike.
 */
function sigmoidGate(a: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const sig = flushedSigmoid(a === 1 ? x : tf.mul(x, a));
    save([x, sig]);
    return {
      value: tf.mul(x, sig),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, s] = saved as [tf.Tensor, tf.Tensor];
        // σ + a x σ (1 − σ) = σ · (1 + a x (1 − σ))
        const local = tf.mul(s, tf.add(1, tf.mul(tf.mul(xs, a), tf.sub(1, s))));
        return [tf.mul(dy, local)];
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

const scales: Record<ActivationName, number> = { gelu: GELU_SIGMOID_SCALE, silu: 1 };

const gates: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  gelu: sigmoidGate(scales.gelu),
  silu: sigmoidGate(scales.silu),
};

/** The slope a of the gate x·σ(a x) behind an activation name (1.702 for 'gelu', 1 for 'silu'). */
export function gateScale(name: ActivationName): number {
  return scales[name];
}

/**
 * Name of the kernel behind the Fourier MLP's gates (`gateValue`, `gateWithDerivative`) on the wasm
 * backend, registered by this module: the `gate` of the wasm kernels (wasm_kernels.ts), one SIMD pass that
 * reads x once and writes the gate and (attribute `withDerivative`) its derivative, where tfjs runs
 * 5 or 9 kernels.
 */
export const GATE_KERNEL = 'DiffflowGate';

tf.registerKernel({
  kernelName: GATE_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeapBackend;
    const { x } = inputs as { x: tf.TensorInfo };
    const { slope, withDerivative } = attrs as unknown as { slope: number; withDerivative: boolean };
    const kernels = wasmKernelsOf(backend) as WasmKernels; // the callers run this kernel only where it is
    const n = x.shape.reduce((p, d) => p * d, 1);
    const value = heap.makeOutput([...x.shape], 'float32');
    const derivative = withDerivative ? heap.makeOutput([...x.shape], 'float32') : null;
    if (n >= 4) {
      kernels.gate(heapOffset(heap, x), heapOffset(heap, value), derivative === null ? 0 : heapOffset(heap, derivative), n, slope);
    } else if (n > 0) {
      // the kernel runs on ≥ 4 floats: pad to four lanes in a scratch tensor [x, value, derivative] (same numbers per lane)
      const scratch = heap.makeOutput([12], 'float32');
      const at = heapOffset(heap, scratch);
      const lanes = heap.typedArrayFromHeap(scratch);
      lanes.fill(0);
      lanes.set(heap.typedArrayFromHeap(x));
      kernels.gate(at, at + 16, derivative === null ? 0 : at + 32, 4, slope);
      heap.typedArrayFromHeap(value).set(lanes.subarray(4, 4 + n));
      if (derivative !== null) heap.typedArrayFromHeap(derivative).set(lanes.subarray(8, 8 + n));
      (backend as unknown as { disposeData(id: tf.DataId): void }).disposeData(scratch.dataId);
    }
    return derivative === null ? [value] : [value, derivative];
  },
});

/**
 * The gate x·σ̃(a x), no custom gradient (tape-free forward passes). On wasm one kernel
 * ({@link GATE_KERNEL}); elsewhere, and under a gradient tape, the same ops as {@link activation}.
 * The two differ by float32 rounding only: the kernel's σ is its own exp (Cody–Waite reduction and
 * Cephes' polynomial) where tfjs calls XNNPACK's sigmoid; tested to ≤ 1e-6·(|x·σ̃| + |x|·2⁻⁴⁰) on the
 * gate and ≤ 2e-6·(1 + |a x|) on its derivative against the ops, over −100 ≤ a x ≤ 100, ±∞ and NaN
 * alike; dead units (σ̃ = 0) stay exact zeros.
 */
export function gateValue<T extends tf.Tensor>(x: T, a: number): T {
  if (wasmKernelsApply([x])) return (tf.engine().runKernel(GATE_KERNEL, { x }, { slope: a, withDerivative: false }) as tf.Tensor[])[0] as T;
  return tf.tidy(() => tf.mul(x, flushedSigmoid(a === 1 ? x : tf.mul(x, a))) as T);
}

/**
 * The gate x·σ̃(a x) and its derivative σ̃(a x)·(1 + a x (1 − σ̃(a x))) (σ̃: {@link flushedSigmoid}),
 * no custom gradient: for hand-written pull-backs, which cache the derivative in the forward pass.
 * On wasm one kernel ({@link GATE_KERNEL}, see {@link gateValue} for how it rounds); elsewhere, and
 * under a gradient tape, exactly what {@link activation}'s forward and gradient compute (same ops,
 * same rounding).
 */
export function gateWithDerivative<T extends tf.Tensor>(x: T, a: number): { value: T; derivative: T } {
  if (wasmKernelsApply([x])) {
    const [value, derivative] = tf.engine().runKernel(GATE_KERNEL, { x }, { slope: a, withDerivative: true }) as tf.Tensor[];
    return { value: value as T, derivative: derivative as T };
  }
  return tf.tidy(() => {
    const ax = a === 1 ? x : tf.mul(x, a);
    const sig = flushedSigmoid(ax);
    return {
      value: tf.mul(x, sig) as T,
      derivative: tf.mul(sig, tf.add(1, tf.mul(ax, tf.sub(1, sig)))) as T,
    };
  });
}

/** The activation function of a name. */
export function activation(name: ActivationName): (x: tf.Tensor) => tf.Tensor {
  return gates[name];
}
