import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { fourierMlp } from './fourier_mlp.js';
import { timeTable, vjp } from './vjp.js';
import { scaleField } from './combinators.js';
import { variablesOf } from './vector_field.js';

describe('vjp', () => {
  it('equals the gradient of ⟨dy, v(x, t)⟩ for x and every parameter, without leaks', () => {
    const f = fourierMlp({ dim: 2, hidden: 8, layers: 1, seed: 5 });
    const x = tf.randomNormal([6, 2], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([6, 2], 0, 1, 'float32', 2);
    const out = expectNoLeaks(() => {
      const r = vjp(f, x, 0.02, dy);
      return { dx: take(r.dx), dparams: r.dparams.map(take), value: take(r.value) };
    });
    const inner = (xx: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f.apply(xx, 0.02), dy));
    expect(relativeError(out.dx, take(tf.grad(inner)(x)))).toBeLessThan(1e-6);
    const { grads, value } = tf.variableGrads(() => inner(x), variablesOf(f));
    value.dispose();
    f.parameters.forEach((p, k) => expect(relativeError(out.dparams[k]!, take(grads[p.variable.name]!)), p.name).toBeLessThan(1e-6));
    tf.dispose([x, dy]);
    f.dispose();
  });

  it('timeTable: the Fourier MLP has one, a field without its own (a wrapper) gets undefined', () => {
    const f = fourierMlp({ dim: 2, hidden: 8, layers: 1, seed: 6 });
    const wrapped = scaleField(f, 2);
    expectNoLeaks(() => {
      expect(timeTable(wrapped, [0.01, 0.02])).toBeUndefined();
      const table = timeTable(f, [0.01, 0.02]);
      expect(table?.times).toEqual([0.01, 0.02]);
      table?.dispose();
    });
    wrapped.dispose(); // and f inside it
  });
});
