import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { shardRows } from '@diffflow/parallel';
import { fourierMlp } from '@diffflow/networks';
import { adjointCalls, adjointChunks, adjointIterationFlops, matMulFlopsOfKernels, mlpCallFlops, samplingFlops, scorePasses, splitRows } from './flops.js';
import { adjointChunk, referenceShape, samplerPath, samplingShard } from './workload.js';

/** matMul flops tf.profile sees while `f` runs. */
async function profiledFlops(f: () => void): Promise<number> {
  const info = await tf.profile(f);
  return matMulFlopsOfKernels(info.kernels).flops;
}

describe('matMulFlopsOfKernels', () => {
  it('counts 2mkn for each layout of a product, and nothing else', async () => {
    const a = tf.ones([5, 3]);
    const at = tf.ones([3, 5]);
    const b = tf.ones([3, 4]);
    const bt = tf.ones([4, 3]);
    const bias = tf.zeros([4]);
    const flops = await profiledFlops(() =>
      tf.dispose([tf.matMul(a, b), tf.matMul(at, b, true), tf.matMul(a, bt, false, true), tf.fused.matMul({ a, b, bias }), tf.add(a, a), tf.transpose(a)]),
    );
    expect(flops).toBe(4 * 2 * 5 * 3 * 4);
    tf.dispose([a, at, b, bt, bias]);
  });
});

describe('mlpCallFlops', () => {
  const shape = { dim: 3, hidden: 16, layers: 2 };
  it('equals the profiled forward pass and pull-back of a Fourier MLP', async () => {
    const net = fourierMlp({ ...shape, seed: 3 });
    const x = tf.randomNormal([7, 3], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([7, 3], 0, 1, 'float32', 2);
    const expected = mlpCallFlops(shape, 7);
    expect(await profiledFlops(() => net.apply(x, 0.3).dispose())).toBe(expected.forward);
    const both = await profiledFlops(() => {
      const r = net.vjp(x, 0.3, dy);
      tf.dispose([r.value, r.dx, ...r.dparams]);
    });
    expect(both).toBe(expected.forward + expected.pullback);
    tf.dispose([x, dy]);
    net.dispose();
  });
});

describe('adjointIterationFlops', () => {
  it('equals the profiled adjoint with every, some and no drift steps cached', async () => {
    const rows = 6;
    const steps = 4;
    const perStep = 4 * (referenceShape.layers + 1) * rows * referenceShape.hidden; // compact (the time embedding is the time table's)
    const fullStep = 4 * 2 * (referenceShape.layers + 1) * rows * referenceShape.hidden;
    for (const [budget, cached] of [
      [4 * fullStep, 4], // all full
      [fullStep + 2 * perStep + 1, 3], // step 0 full, steps 1 and 2 compact
      [fullStep - 1, 0], // not even step 0
      [0, 0],
    ] as const) {
      const calls = adjointCalls(referenceShape, rows, steps, budget);
      expect(calls.cachedSteps).toBe(cached);
      const derived = adjointIterationFlops(referenceShape, { batch: rows, steps, shards: 1, chunkRows: Infinity, driftCacheBytes: budget });
      const piece = adjointChunk(rows, steps, 0, budget);
      const before = tf.memory().numTensors;
      expect(await profiledFlops(() => piece.run()), `budget for ${cached} steps`).toBe(derived);
      expect(tf.memory().numTensors).toBe(before);
      piece.dispose();
    }
  });

  it('equals the profiled adjoint with the score in one pass, in passes of 3 + 1 points and one point at a time', async () => {
    const rows = 6;
    const steps = 4;
    const pointBytes = rows * 2 * (referenceShape.layers + 1) * referenceShape.hidden * 4;
    for (const [scoreBytes, passes] of [
      [4 * pointBytes, [4]],
      [3 * pointBytes + 1, [3, 1]],
      [pointBytes, [1, 1, 1, 1]],
      [0, []],
    ] as const) {
      expect(scorePasses(referenceShape, rows, steps, scoreBytes)).toEqual(passes);
      const derived = adjointIterationFlops(referenceShape, { batch: rows, steps, shards: 1, chunkRows: Infinity, driftCacheBytes: 0, batchedScoreBytes: scoreBytes });
      const piece = adjointChunk(rows, steps, 0, 0, referenceShape.hidden, scoreBytes);
      expect(await profiledFlops(() => piece.run()), `score budget for ${passes.join(' + ')} points`).toBe(derived);
      piece.dispose();
    }
  });

  it('splits a batch into shards and chunks as dataParallel does', () => {
    for (const [rows, parts] of [
      [5000, 2],
      [513, 2],
      [7, 3],
      [2, 4],
    ] as const) {
      expect(splitRows(rows, parts)).toEqual(shardRows(rows, parts).map(([a, b]) => b - a));
    }
    expect(adjointChunks({ batch: 5000, steps: 30, shards: 2, chunkRows: 2048, driftCacheBytes: 0 })).toEqual([1250, 1250, 1250, 1250]);
    expect(adjointChunks({ batch: 512, steps: 30, shards: 2, chunkRows: 2048, driftCacheBytes: 0 })).toEqual([256, 256]);
  });
});

describe('samplingFlops', () => {
  it('equals the profiled draw of one shard', async () => {
    const piece = samplingShard(10, 3, 8, 3);
    expect(await profiledFlops(() => piece.run())).toBe(samplingFlops(referenceShape, 5, 3, 1, samplerPath));
    piece.dispose();
  });

  it('counts the probe per shard and the time embedding per block', () => {
    const call = (rows: number): number => mlpCallFlops(referenceShape, rows).forward;
    const path = { probeRows: 1, batchRows: 4 };
    // 10 points on 2 shards of 5 rows, each run as blocks of 4 and 1 rows
    expect(samplingFlops(referenceShape, 10, 3, 2, path)).toBe(2 * (2 * call(1) + 2 * 3 * (call(4) + call(1))));
    expect(samplingFlops(referenceShape, 10, 3, 1, { probeRows: 0, batchRows: Infinity })).toBe(2 * 3 * call(10));
  });
});
