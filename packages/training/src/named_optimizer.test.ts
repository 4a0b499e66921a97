import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Parameter } from '@diffflow/networks';
import { namedOptimizer, type NamedOptimizer } from './named_optimizer.js';

const cleanup: Array<() => void> = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

/** Two named parameters, 'net/w' [2, 3] and 'net/b' [3], fresh tfjs variables each call. */
function params(offset = 0): Parameter[] {
  const ps = [
    { name: 'net/w', variable: tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6].map((v) => v + offset), [2, 3])) },
    { name: 'net/b', variable: tf.variable(tf.tensor1d([0.5, -0.5, 1].map((v) => v + offset))) },
  ];
  cleanup.push(() => ps.forEach((p) => p.variable.dispose()));
  return ps;
}

function optimizer(ps: Parameter[]): NamedOptimizer {
  const o = namedOptimizer(ps, { clip: 1, emaDecay: 0.9, lrDecay: 0.5, lrDecayEvery: 10 });
  cleanup.push(() => o.dispose());
  return o;
}

const gradsOf = (ps: Parameter[], scale: number): tf.NamedTensorMap =>
  tf.tidy(() => Object.fromEntries(ps.map((p) => [p.variable.name, tf.mul(tf.onesLike(p.variable), scale)])));
const values = (ps: Parameter[]): number[][] => ps.map((p) => Array.from(p.variable.dataSync()));

describe('namedOptimizer', () => {
  it('clips to the global norm, steps Adam and the EMA, and disposes the gradients', () => {
    const ps = params();
    const o = optimizer(ps);
    const before = tf.memory().numTensors;
    const u = o.update(gradsOf(ps, 2), 0.1, 0);
    expect(u).toEqual({ lr: 0.1, gradNorm: expect.closeTo(2 * Math.sqrt(9), 5) });
    expect(tf.memory().numTensors).toBe(before); // gradients disposed, moments replaced
    // Adam's first step moves every entry by lr (sign of the gradient), whatever the clipping
    values(ps).flat().forEach((v, i) => expect(v).toBeCloseTo([1, 2, 3, 4, 5, 6, 0.5, -0.5, 1][i]! - 0.1, 5));
    expect(o.state(1).adamStep).toBe(1);
  });

  it('StepLR: the learning rate is baseLr × lrDecay per lrDecayEvery iterations', () => {
    const ps = params();
    const o = optimizer(ps);
    const lrAt = (iteration: number): number => {
      const u = o.update(gradsOf(ps, 1), 0.1, iteration);
      return 'lr' in u ? u.lr : Number.NaN;
    };
    expect([0, 9, 10, 25].map(lrAt)).toEqual([0.1, 0.1, 0.05, 0.025]);
  });

  it('a non-finite gradient changes nothing and is named by its stable name', () => {
    const ps = params();
    const o = optimizer(ps);
    const grads = gradsOf(ps, 1);
    (grads[ps[1]!.variable.name] as tf.Tensor).dispose();
    grads[ps[1]!.variable.name] = tf.tensor1d([0, Number.NaN, 0]);
    expect(o.update(grads, 0.1, 0)).toEqual({ failed: "gradient of 'net/b'" });
    expect(values(ps)).toEqual(values(params()));
  });

  it('restores a snapshot into fresh variables (other tfjs names) and continues identically', () => {
    const a = params();
    const oa = optimizer(a);
    for (const [i, s] of [1, -2, 3].entries()) oa.update(gradsOf(a, s), 0.05, i);
    const snapshot = oa.state(3);
    const b = params(10);
    const ob = optimizer(b);
    expect(ob.restore(snapshot)).toBe(3);
    tf.dispose([...snapshot.tensors.values()]);
    oa.update(gradsOf(a, 0.5), 0.05, 3);
    ob.update(gradsOf(b, 0.5), 0.05, 3);
    expect(values(b)).toEqual(values(a));
    expect(oa.ema.withAveraged(() => values(a))).toEqual(ob.ema.withAveraged(() => values(b)));
  });

  it('checks every tensor before assigning any: a wrong-shaped Adam slot leaves the weights as they were', () => {
    const a = params();
    const snapshot = optimizer(a).state(0);
    snapshot.tensors.get('adam/v/net/b')?.dispose();
    snapshot.tensors.set('adam/v/net/b', tf.zeros([4]));
    const b = params(10);
    const before = values(b);
    expect(() => optimizer(b).restore(snapshot)).toThrow("checkpoint tensor 'adam/v/net/b' has shape [4], the model needs [3]");
    expect(values(b)).toEqual(before);
    snapshot.tensors.get('ema/net/w')?.dispose();
    snapshot.tensors.delete('ema/net/w');
    expect(() => optimizer(b).restore(snapshot)).toThrow("checkpoint has no tensor 'ema/net/w'");
    tf.dispose([...snapshot.tensors.values()]);
  });

  it('restartAdam: step 0 and zero moments, the EMA untouched', () => {
    const ps = params();
    const o = optimizer(ps);
    o.update(gradsOf(ps, 1), 0.1, 0);
    const emaBefore = o.ema.withAveraged(() => values(ps));
    o.restartAdam();
    const s = o.state(1);
    expect(s.adamStep).toBe(0);
    expect(Array.from((s.tensors.get('adam/m/net/w') as tf.Tensor).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(o.ema.withAveraged(() => values(ps))).toEqual(emaBefore);
    tf.dispose([...s.tensors.values()]);
  });
});
