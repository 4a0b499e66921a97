import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Parameter } from '@diffflow/networks';
import { replayableNormal } from '@diffflow/sde-core';
import { relativeError } from '@diffflow/test-utils';
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
/** Runs `fn`, which consumes (disposes) `grads`, asserting that it leaves no other tensor behind. */
function consuming<T>(grads: tf.NamedTensorMap, fn: () => T): T {
  const expected = tf.memory().numTensors - Object.keys(grads).length;
  const out = fn();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(expected);
  return out;
}
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

  it('refuses two parameters under one stable name (snapshots are keyed by it), naming it', () => {
    const [w] = params();
    const other = { name: 'net/w', variable: tf.variable(tf.zeros([4])) };
    cleanup.push(() => other.variable.dispose());
    const before = tf.memory().numTensors;
    expect(() => namedOptimizer([w as Parameter, other], { clip: 1, emaDecay: 0.9, lrDecay: 0.5, lrDecayEvery: 10 })).toThrow(/two parameters are named 'net\/w'/);
    expect(tf.memory().numTensors).toBe(before);
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

/**
 * The per-variable step the optimiser took before it went flat, written out as the reference:
 * clipping by the addN of per-tensor sums, then per variable with a gradient
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  θ ← θ − s·m/(√v + ε̂),
 * then per variable θ̄ ← dθ̄ + (1 − d)θ — the same tfjs operations in the same order.
 */
function referenceStep(
  state: { theta: tf.Tensor[]; m: tf.Tensor[]; v: tf.Tensor[]; avg: tf.Tensor[]; step: number; updates: number },
  grads: Array<tf.Tensor | undefined>,
  lr: number,
  clip: number,
  emaDecay: number,
): void {
  const present = grads.flatMap((g) => (g === undefined ? [] : [g]));
  const norm = tf.tidy(() => tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))).dataSync()[0] as number);
  const scale = clip > 0 && norm > clip ? clip / norm : 1;
  state.step += 1;
  const c1 = 1 - 0.9 ** state.step;
  const c2 = 1 - 0.999 ** state.step;
  const stepSize = (lr * Math.sqrt(c2)) / c1;
  const epsHat = 1e-8 * Math.sqrt(c2);
  const replace = (list: tf.Tensor[], k: number, t: tf.Tensor): void => {
    list[k]?.dispose();
    list[k] = tf.keep(t);
  };
  grads.forEach((raw, k) => {
    if (raw === undefined) return;
    tf.tidy(() => {
      const g = scale === 1 ? raw : tf.mul(raw, scale);
      const m1 = tf.add(tf.mul(state.m[k]!, 0.9), tf.mul(g, 1 - 0.9));
      const v1 = tf.add(tf.mul(state.v[k]!, 0.999), tf.mul(tf.square(g), 1 - 0.999));
      replace(state.theta, k, tf.sub(state.theta[k]!, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsHat)), stepSize)));
      replace(state.m, k, m1);
      replace(state.v, k, v1);
    });
  });
  state.updates += 1;
  const d = Math.min(emaDecay, (1 + state.updates) / (10 + state.updates));
  state.avg.forEach((a, k) => replace(state.avg, k, tf.tidy(() => tf.add(tf.mul(a, d), tf.mul(state.theta[k]!, 1 - d)))));
}

describe('namedOptimizer on one flat vector', () => {
  const shapes = [[8, 16], [16], [16, 2], [2], [1, 16]];
  const names = ['net/w1', 'net/b1', 'net/w2', 'net/b2', 'net/scale'];
  /** Seeded normal gradients of `scale` for the parameters whose index is in `which`. */
  const gradientsAt = (ps: Parameter[], iteration: number, scale: number, which: readonly number[]): Array<tf.Tensor | undefined> =>
    ps.map((p, k) =>
      which.includes(k) ? tf.tidy(() => tf.mul(replayableNormal(p.variable.shape, { seed: 3, purpose: 'optimizer-test', iteration, step: k }), scale)) : undefined,
    );
  const fresh = (): Parameter[] => {
    const ps = shapes.map((s, k) => ({ name: names[k]!, variable: tf.variable(replayableNormal(s, { seed: 4, purpose: 'init', iteration: 0, step: k })) }));
    cleanup.push(() => ps.forEach((p) => p.variable.dispose()));
    return ps;
  };
  const all = [0, 1, 2, 3, 4];

  /** Runs both for `plan` (gradient scale and parameters with a gradient per iteration); returns [flat, reference] of every entry. */
  function runBoth(plan: Array<{ scale: number; which: readonly number[] }>, clip: number): { flat: number[][]; reference: number[][]; norms: number[][] } {
    const ps = fresh();
    const o = namedOptimizer(ps, { clip, emaDecay: 0.95, lrDecay: 0.5, lrDecayEvery: 2 });
    cleanup.push(() => o.dispose());
    const ref = {
      theta: ps.map((p) => tf.keep(tf.clone(p.variable))),
      m: ps.map((p) => tf.keep(tf.zerosLike(p.variable))),
      v: ps.map((p) => tf.keep(tf.zerosLike(p.variable))),
      avg: ps.map((p) => tf.keep(tf.clone(p.variable))),
      step: 0,
      updates: 0,
    };
    const norms: number[][] = [];
    plan.forEach(({ scale, which }, iteration) => {
      const lr = 0.05 * 0.5 ** Math.floor(iteration / 2);
      const forReference = gradientsAt(ps, iteration, scale, which);
      referenceStep(ref, forReference, lr, clip, 0.95);
      const refNorm = tf.tidy(() => Math.sqrt(forReference.reduce((acc, g) => acc + (g === undefined ? 0 : (tf.sum(tf.square(g)).dataSync()[0] as number)), 0)));
      tf.dispose(forReference.filter((g): g is tf.Tensor => g !== undefined));
      const grads = Object.fromEntries(
        gradientsAt(ps, iteration, scale, which).flatMap((g, k) => (g === undefined ? [] : [[ps[k]!.variable.name, g] as const])),
      );
      const u = consuming(grads, () => o.update(grads, 0.05, iteration));
      expect(u).toMatchObject({ lr });
      norms.push(['gradNorm' in u ? u.gradNorm : Number.NaN, refNorm]);
    });
    const s = o.state(plan.length);
    const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());
    const flat = names.flatMap((n) => [`param/${n}`, `adam/m/${n}`, `adam/v/${n}`, `ema/${n}`].map((key) => read(s.tensors.get(key)!)));
    const reference = names.flatMap((_, k) => [ref.theta[k]!, ref.m[k]!, ref.v[k]!, ref.avg[k]!].map(read));
    tf.dispose([...s.tensors.values(), ...ref.theta, ...ref.m, ...ref.v, ...ref.avg]);
    expect(s.adamStep).toBe(ref.step);
    return { flat, reference, norms };
  }

  it('gives bit for bit the per-variable step: parameters, both moments and the EMA, with a parameter left without a gradient', () => {
    // clip far above the norms: no scaling, so nothing but elementwise operations
    const plan = [
      { scale: 1, which: all },
      { scale: 2, which: [1, 3] }, // the warm-up's case: only some parameters have a gradient
      { scale: 0.5, which: all },
      { scale: 3, which: [0, 2, 4] },
    ];
    const { flat, reference, norms } = runBoth(plan, 1e6);
    expect(flat).toEqual(reference);
    for (const [mine, ref] of norms) expect(Math.abs(mine! - ref!) / ref!).toBeLessThan(1e-6);
  });

  it('with clipping active the scale comes from the float64 norm instead of float32 sums: every entry within 1e-5 relative of the per-variable step', () => {
    const plan = [
      { scale: 5, which: all },
      { scale: 10, which: all },
      { scale: 8, which: [0, 1] },
    ];
    const { flat, reference, norms } = runBoth(plan, 1);
    for (const [mine, ref] of norms) expect(mine!).toBeGreaterThan(1), expect(Math.abs(mine! - ref!) / ref!).toBeLessThan(1e-6);
    flat.forEach((entries, i) => expect(relativeError(Float32Array.from(entries), Float32Array.from(reference[i]!))).toBeLessThan(1e-5));
  });

  it('a non-finite gradient is named (not a huge finite one) and leaks nothing; a gradient of no parameter throws and leaks nothing', () => {
    const ps = params();
    const o = optimizer(ps);
    const grads = gradsOf(ps, 1);
    (grads[ps[0]!.variable.name] as tf.Tensor).dispose();
    grads[ps[0]!.variable.name] = tf.tensor2d([0, 0, Number.POSITIVE_INFINITY, 0, 0, 0], [2, 3]);
    expect(consuming(grads, () => o.update(grads, 0.1, 0))).toEqual({ failed: "gradient of 'net/w'" });
    // a huge but finite gradient (its float32 sum overflows) before the bad one is not the one named
    const huge = gradsOf(ps, 1);
    (huge[ps[0]!.variable.name] as tf.Tensor).dispose();
    (huge[ps[1]!.variable.name] as tf.Tensor).dispose();
    huge[ps[0]!.variable.name] = tf.fill([2, 3], 3e38);
    huge[ps[1]!.variable.name] = tf.tensor1d([0, Number.NaN, 0]);
    expect(consuming(huge, () => o.update(huge, 0.1, 0))).toEqual({ failed: "gradient of 'net/b'" });
    const stray = { ...gradsOf(ps, 1), elsewhere: tf.zeros([2]) };
    consuming(stray, () => expect(() => o.update(stray, 0.1, 0)).toThrow("flatLayout: 'elsewhere' is not one of the 2 variables"));
    const s = o.state(0);
    expect(s.adamStep).toBe(0);
    tf.dispose([...s.tensors.values()]);
  });
});
