import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { constantDiffusion } from './diffusion.js';
import { diffusionModel } from './model.js';
import { defaultLambda, reverseProcess } from './reverse_process.js';
import { linearDrift, sde } from './sde.js';
import type { VectorField } from './vector_field.js';

// f(x) = −x, g = 2, s(x) = −¼x: drift_λ = −x + ½(1 + λ²)·4·¼x = (½(1 + λ²) − 1)x
const model = diffusionModel(sde({ name: 'OU', drift: linearDrift(() => -1), diffusion: constantDiffusion(2), interval: [0, 1] }), linearDrift(() => -0.25, 'score'));
const x = (): tf.Tensor => tf.tensor2d([[1, -2], [0.5, 4]]);

describe('reverseProcess', () => {
  it('gives the λ-drift f − ½(1 + λ²) g² s and the diffusion λ g, by hand, for λ ∈ {0, 1, 2}', () => {
    for (const lambda of [0, 1, 2]) {
      const r = reverseProcess(model, lambda);
      const xs = x();
      const got = expectNoLeaks(() => take(r.drift(xs, 0.3)));
      xs.dispose();
      const k = 0.5 * (1 + lambda * lambda) - 1;
      expect(got.map((v) => v + 0)).toEqual([1, -2, 0.5, 4].map((v) => Math.fround(k * v) + 0));
      expect(r.diffusion(0.3)).toBe(2 * lambda);
      expect(r.scoreWeight(0.3)).toBe(0.5 * (1 + lambda * lambda) * 4);
    }
  });

  it('steps x − drift_λ Δt + λ g √Δt δ, and its Tweedie step is the λ = 1 mean for every λ', () => {
    const r = reverseProcess(model, 2); // drift 1.5 x, λ g = 4
    const xs = x();
    const noise = tf.ones([2, 2]);
    const stepped = expectNoLeaks(() => take(r.step(xs, 0.5, 0.04, noise)));
    // x − 1.5x·0.04 + 4·0.2·1 = 0.94x + 0.8
    [1, -2, 0.5, 4].forEach((v, k) => expect(stepped[k]).toBeCloseTo(0.94 * v + 0.8, 6));
    const mean = expectNoLeaks(() => take(r.step(xs, 0.5, 0.04, null)));
    [1, -2, 0.5, 4].forEach((v, k) => expect(mean[k]).toBeCloseTo(0.94 * v, 6));
    // Tweedie: λ = 1's drift is 0 here, so x itself
    expect(expectNoLeaks(() => take(r.tweedieStep(xs, 0.5, 0.04)))).toEqual(take(tf.clone(xs)));
    tf.dispose([xs, noise]);
  });

  it('driftOf gives the drift from field values already computed', () => {
    const r = reverseProcess(model, 0);
    const [f, s, xs] = [tf.tensor2d([[1, 2]]), tf.tensor2d([[4, -4]]), tf.tensor2d([[0, 0]])];
    // f − ½·4·s = [1 − 8, 2 + 8]
    expect(expectNoLeaks(() => take(r.driftOf(f, s, 0.1)))).toEqual([-7, 10]);
    tf.dispose([f, s, xs]);
  });

  it('defaults to λ = defaultLambda = 0 (the probability-flow ODE) and refuses a negative or non-finite λ', () => {
    expect(defaultLambda).toBe(0);
    expect(reverseProcess(model).lambda).toBe(defaultLambda);
    expect(() => reverseProcess(model, -0.5)).toThrow(/lambda \(λ\) must be a finite number ≥ 0, got -0.5/);
    expect(() => reverseProcess(model, Number.NaN)).toThrow(RangeError);
  });

  it('names a field whose output has the wrong shape, and leaks nothing when it throws', () => {
    const bad: VectorField = { name: 'narrow', apply: (v) => tf.slice(v, [0, 0], [-1, 1]), parameters: [], parameterCount: 0, dispose: () => undefined };
    const r = reverseProcess(diffusionModel(model.sde, bad), 0.5);
    const xs = x();
    expectNoLeaks(() => {
      expect(() => r.drift(xs, 0.2)).toThrow(/score field 'narrow' maps x of shape \[2, 2\] to \[2, 1\]/);
    });
    expectNoLeaks(() => {
      expect(() => r.step(xs, 0.2, 0.1, null)).toThrow(/narrow/);
    });
    xs.dispose();
  });
});
