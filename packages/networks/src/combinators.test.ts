import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { linearDrift, vpSde } from '@diffflow/sde-core';
import { fourierMlp } from './fourier_mlp.js';
import { vectorField } from './field.js';
import { epsilonFromScore, mapTime, scaleField, scoreFromEpsilon, shiftField, sumFields } from './combinators.js';
import { autodiffVjp, hasLinearize, hasVjp, linearize, vjp, type VjpResult } from './vjp.js';
import type { VectorField } from './vector_field.js';

const mlp = (seed: number, name: string) => fourierMlp({ dim: 2, hidden: 8, layers: 1, seed, name });
const x = tf.tensor2d([[0.1, -0.3], [1.2, 0.4], [-0.7, 0.9]]);
const dy = tf.tensor2d([[1, 0.5], [-0.2, 2], [0.3, -1]]);

function read(r: VjpResult | { readonly value?: tf.Tensor; readonly dx: tf.Tensor; readonly dparams: readonly tf.Tensor[] }) {
  return { value: r.value === undefined ? [] : take(r.value), dx: take(r.dx), dparams: r.dparams.map(take) };
}

/** The field's dispatched vjp and its linearisation's pull-back both equal autodiff through its `apply`. */
function expectPullbacksMatchAutodiff(field: VectorField, t = 0.3, tol = 1e-5): void {
  const auto = read(autodiffVjp(field, x, t, dy));
  const fast = expectNoLeaks(() => read(vjp(field, x, t, dy)));
  const lin = expectNoLeaks(() => {
    const l = linearize(field, x, t);
    const value = take(l.value);
    return { ...read(l.pullback(dy)), value };
  });
  for (const got of [fast, lin]) {
    expect(relativeError(got.value, auto.value)).toBeLessThan(1e-6);
    expect(relativeError(got.dx, auto.dx)).toBeLessThan(tol);
    expect(got.dparams).toHaveLength(field.parameters.length);
    got.dparams.forEach((g, k) => expect(relativeError(g, auto.dparams[k]!), `${field.name} parameter ${k}`).toBeLessThan(tol));
  }
}

describe('vector field combinators', () => {
  it('scale, shift, mapTime, sum and the ε↔score wrappers evaluate what they say', () => {
    const a = mlp(1, 'a');
    const b = mlp(2, 'b');
    const sde = vpSde();
    const at = (f: VectorField, t: number) => take(f.apply(x, t));
    const va = at(a, 0.3);
    const vb = at(b, 0.3);
    expect(relativeError(at(scaleField(a, (t) => 1 + t), 0.3), va.map((v) => 1.3 * v))).toBeLessThan(1e-6);
    expect(relativeError(at(shiftField(a, 0.25), 0.3), va.map((v) => v + 0.25))).toBeLessThan(1e-6);
    expect(relativeError(at(mapTime(a, (t) => t / 2), 0.6), va)).toBeLessThan(1e-6);
    expect(relativeError(at(sumFields([a, b]), 0.3), va.map((v, i) => v + vb[i]!))).toBeLessThan(1e-6);
    const std = sde.marginal!(0.3).std;
    expect(relativeError(at(scoreFromEpsilon(a, sde), 0.3), va.map((v) => -v / std))).toBeLessThan(1e-6);
    expect(relativeError(at(epsilonFromScore(scoreFromEpsilon(a, sde), sde), 0.3), va)).toBeLessThan(1e-5);
    expect(() => scoreFromEpsilon(a, sde).apply(x, 0)).toThrow(/t must be > 0/);
    // per-row times: row b at t_b
    const t = tf.tensor1d([0.1, 0.3, 0.6]);
    const rows = expectNoLeaks(() => take(scaleField(a, (s) => 1 + s).apply(x, t)));
    const perRow = [0.1, 0.3, 0.6].flatMap((s, r) => take(a.apply(tf.slice(x, r, 1), s)).map((v) => (1 + s) * v));
    expect(relativeError(rows, perRow)).toBeLessThan(1e-5);
    t.dispose();
    a.dispose();
    b.dispose();
  });

  it('derive correct pull-backs from a fast part, chain rule included, and keep linearize', () => {
    const a = mlp(3, 'a');
    const b = mlp(4, 'b');
    const sde = vpSde();
    const fields = [
      scaleField(a, (t) => 2 - t),
      shiftField(a, (t) => t),
      mapTime(a, (t) => 3 * t),
      sumFields([linearDrift((t) => -t), a, b]),
      sumFields([a, scaleField(a, 0.5)]), // a shared parameter set: gradients summed
      scoreFromEpsilon(a, sde),
      epsilonFromScore(b, sde),
    ];
    for (const f of fields) {
      expect(hasVjp(f) && hasLinearize(f), f.name).toBe(true);
      expectPullbacksMatchAutodiff(f);
    }
    expect(sumFields([a, scaleField(a, 0.5)]).parameters).toHaveLength(a.parameters.length);
    a.dispose();
    b.dispose();
  });

  it('never hand a copy the inner pull-back: a spread field with another apply gets autodiff of its own apply', () => {
    const net = mlp(5, 'net');
    const doubled = { ...net, apply: (xx: tf.Tensor, t: number | tf.Tensor1D) => tf.mul(net.apply(xx, t), 2) } as VectorField;
    expect(hasVjp(doubled)).toBe(false);
    expect('vjp' in doubled).toBe(false); // the MLP's pull-backs are not enumerable either
    const got = read(vjp(doubled, x, 0.2, dy));
    const inner = read(vjp(net, x, 0.2, dy));
    expect(relativeError(got.dx, inner.dx.map((v) => 2 * v))).toBeLessThan(1e-5);
    net.dispose();
  });

  it('vectorField: autodiff by default, a given pull-back used for that object only', () => {
    const f = vectorField({ name: 'cube', apply: (xx) => tf.pow(xx, 3) });
    expect(hasVjp(f)).toBe(false);
    const r = read(vjp(f, x, 0, dy));
    const xs = Array.from(x.dataSync());
    const ds = Array.from(dy.dataSync());
    expect(relativeError(r.dx, xs.map((v, i) => 3 * v * v * ds[i]!))).toBeLessThan(1e-6);
    let calls = 0;
    const g = vectorField({ name: 'cube', apply: f.apply, vjp: (xx, t, d) => (calls++, autodiffVjp(f, xx, t, d)) });
    read(vjp(g, x, 0, dy));
    expect(calls).toBe(1);
    expect(Object.isFrozen(g)).toBe(true);
  });
});
