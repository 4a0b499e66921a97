import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DENSE_PULLBACK_KERNEL, fourierMlp } from '@diffflow/networks';
import { mlpCallFlops } from './flops.js';
import { recordMatMuls, recordedFlops, replayOf, shardPieces } from './replay.js';

describe('recordMatMuls', () => {
  const shape = { dim: 2, hidden: 16, layers: 2 };
  it('records every product of a forward pass and pull-back, with the operands it shares, and restores the kernels', () => {
    const net = fourierMlp({ ...shape, seed: 4 });
    const x = tf.randomNormal([9, 2], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([9, 2], 0, 1, 'float32', 2);
    const calls = recordMatMuls(() => {
      const r = net.vjp(x, 0.2, dy);
      tf.dispose([r.value, r.dx, ...r.dparams]);
    });
    const expected = mlpCallFlops(shape, 9);
    expect(recordedFlops(calls)).toBe(expected.forward + expected.pullback);
    // the forward layers' right operands are weights (kept); ∂W = hᵀ·dp has a fresh dp
    // (the fused op hands the kernel rank-3 operands: compare the last two dimensions)
    const dims = (s: readonly number[]): string => s.slice(-2).join('x');
    const forwardHidden = calls.filter((c) => c.kernel === '_FusedMatMul' && dims(c.a) === '9x16' && dims(c.b) === '16x16');
    expect(forwardHidden).toHaveLength(shape.layers);
    expect(forwardHidden.every((c) => c.persistent)).toBe(true);
    // (on wasm the networks' fused dense pull-back, with the layer's input and dp as its operands)
    const dW = calls.filter((c) => (c.kernel === 'BatchMatMul' && dims(c.a) === '16x9' && !c.transposeA) || c.kernel === DENSE_PULLBACK_KERNEL);
    expect(dW).toHaveLength(shape.layers);
    expect(dW.some((c) => c.persistent)).toBe(false);
    // the same right operand gets the same index; distinct ones distinct indices
    expect(new Set(forwardHidden.map((c) => c.right)).size).toBe(shape.layers);
    // kernels restored: nothing recorded any more
    const again = recordMatMuls(() => undefined);
    expect(again).toHaveLength(0);
    tf.matMul(x, tf.ones([2, 2])).dispose();
    tf.dispose([x, dy]);
    net.dispose();
  });

  it('replays the recorded products, tidy-clean, in positive time', () => {
    const a = tf.ones([6, 4]);
    const w = tf.ones([4, 3]);
    const bias = tf.zeros([3]);
    const calls = recordMatMuls(() => {
      tf.fused.matMul({ a, b: w, bias }).dispose();
      const h = tf.matMul(a, w);
      tf.matMul(h, h, true, false).dispose();
      h.dispose();
    });
    expect(calls.map((c) => [c.kernel, c.right, c.persistent])).toEqual([
      ['_FusedMatMul', 0, true],
      ['BatchMatMul', 0, true],
      ['BatchMatMul', 1, false],
    ]);
    const before = tf.memory().numTensors;
    const replay = replayOf(calls);
    const ms = [replay.run(), replay.run()];
    replay.dispose();
    expect(ms.every((t) => t > 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, w, bias]);
  });
});

describe('shardPieces', () => {
  it('splits a training row into shards and chunks, and a draw into contiguous shards', () => {
    const train = { what: 'adjoint', batch: 5000, steps: 30, parallel: true, workers: null, chunkRows: null } as const;
    expect(shardPieces(train, 2, 2048).map((s) => s.map((p) => p.rows))).toEqual([
      [1250, 1250],
      [1250, 1250],
    ]);
    const draw = { ...train, what: 'sample', batch: 10_001 } as const;
    expect(shardPieces(draw, 2, 2048)).toEqual([[{ rows: 5000, start: 0 }], [{ rows: 5001, start: 5000 }]]);
  });
});
