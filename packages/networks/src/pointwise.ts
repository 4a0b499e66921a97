import * as tf from '@tensorflow/tfjs-core';
import { rowSum } from './conv.js';

type Op = (...inputs: tf.Tensor[]) => tf.Tensor2D;
const ops = new Map<number, Op>();

function buildOp(blocks: number): Op {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor2D[];
    const xs = inputs.slice(0, blocks);
    const ws = inputs.slice(blocks, 2 * blocks);
    const b = inputs[2 * blocks] as unknown as tf.Tensor1D;
    let y = tf.fused.matMul({ a: xs[0] as tf.Tensor2D, b: ws[0] as tf.Tensor2D, bias: b });
    for (let k = 1; k < blocks; k++) y = tf.add(y, tf.matMul(xs[k] as tf.Tensor2D, ws[k] as tf.Tensor2D));
    save([...xs, ...ws]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        // tfjs runs gradFunc outside any tidy: without this, every intermediate lives to the end of backprop
        tf.tidy(() => {
          const d = dy as tf.Tensor2D;
          const sx = saved.slice(0, blocks) as tf.Tensor2D[];
          const sw = saved.slice(blocks) as tf.Tensor2D[];
          const dx = sw.map((w) => tf.matMul(d, tf.transpose(w)));
          const dw = sx.map((x) => tf.matMul(tf.transpose(x), d));
          return [...dx, ...dw, rowSum(d)];
        }),
    };
  }) as Op;
}

/**
 * A position-wise linear map (a 1×1 convolution) over channel blocks that are never concatenated:
 *   y = Σ_k x_k W_k + b,
 * with its gradient as explicit transposes and plain matMuls (∂x_k = dy W_kᵀ, ∂W_k = x_kᵀ dy) and
 * ∂b as a matMul with ones (wasm's transpose-flag matMuls and axis-0 sums are slow).
 * @param xs [R, C_k] each  @param ws [C_k, Co] each  @param b [Co]  @returns [R, Co]
 */
export function pointwise(xs: readonly tf.Tensor2D[], ws: readonly tf.Tensor2D[], b: tf.Tensor1D): tf.Tensor2D {
  const rows = xs[0]?.shape[0];
  const co = b.shape[0];
  if (
    xs.length === 0 ||
    ws.length !== xs.length ||
    xs.some((x, k) => x.rank !== 2 || x.shape[0] !== rows || x.shape[1] !== (ws[k] as tf.Tensor2D).shape[0]) ||
    ws.some((w) => w.rank !== 2 || w.shape[1] !== co) ||
    b.rank !== 1
  ) {
    const shapes = (ts: readonly tf.Tensor[]): string => ts.map((t) => `[${t.shape.join(', ')}]`).join(', ');
    throw new RangeError(`pointwise: xs [R, C_k], ws [C_k, Co], b [Co] expected, got xs ${shapes(xs)}, ws ${shapes(ws)}, b [${b.shape.join(', ')}]`);
  }
  let op = ops.get(xs.length);
  if (op === undefined) {
    op = buildOp(xs.length);
    ops.set(xs.length, op);
  }
  return op(...xs, ...ws, b);
}
