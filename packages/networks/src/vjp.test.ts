import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { fourierMlp } from './fourier_mlp.js';
import { vjp } from './vjp.js';
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
});
