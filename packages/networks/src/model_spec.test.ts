import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { modelFields } from '@diffflow/sde-core';
import { checkModelSpec, eventShape, modelFromSpec, normalizeModelSpec, type ModelSpec } from './model_spec.js';

const mlp = (name: string, seed: number) => ({ kind: 'fourierMlp', options: { dim: 3, hidden: 8, layers: 1, seed, name } }) as const;

describe('ModelSpec', () => {
  it('builds a composition: a scaled sum drift on a piecewise g, a VE ε-score; sample shape from the networks', () => {
    const spec: ModelSpec = {
      sde: { kind: 'diffflow', drift: { kind: 'scale', factor: 2, field: { kind: 'sum', fields: [mlp('a', 1), mlp('b', 2)] } }, diffusion: { kind: 'piecewise', times: [0, 1], values: [0.1, 0.5] } },
      score: { kind: 'scoreFromEpsilon', epsilon: mlp('eps', 3), sde: { kind: 've', sigmaMin: 0.01, sigmaMax: 2 } },
    };
    const before = tf.memory().numTensors;
    const model = modelFromSpec(spec);
    expect(eventShape(spec)).toEqual([3]);
    expect(model.sde.diffusion(1)).toBeCloseTo(0.5, 6);
    // 2·(a + b) at a point equals the parts' sum doubled
    const x = tf.ones([2, 3]);
    const a = modelFromSpec({ sde: { kind: 'diffflow', drift: mlp('a', 1), diffusion: { kind: 'constant', value: 1 } }, score: mlp('b', 2) });
    const expected = tf.tidy(() => tf.mul(tf.add(a.sde.drift.apply(x, 0.3), a.score.apply(x, 0.3)), 2));
    const got = model.sde.drift.apply(x, 0.3);
    expect(Array.from(got.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([x, expected, got]);
    for (const m of [model, a]) modelFields(m).forEach((f) => f.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads the older shorthands as their general form', () => {
    expect(normalizeModelSpec({ drift: mlp('d', 1).options, score: mlp('s', 2).options, diffusion: { kind: 'constant', value: 0.2 } })).toEqual({
      sde: { kind: 'diffflow', drift: mlp('d', 1), diffusion: { kind: 'constant', value: 0.2 } },
      score: mlp('s', 2),
    });
    const vp = { kind: 'vp', betaMin: 0.1, betaMax: 20 } as const;
    expect(normalizeModelSpec({ sde: vp, score: mlp('e', 2).options })).toEqual({ sde: vp, score: { kind: 'scoreFromEpsilon', epsilon: mlp('e', 2), sde: vp } });
  });

  it('names what it cannot build, before building anything', () => {
    const before = tf.memory().numTensors;
    const bad = (spec: unknown) => () => checkModelSpec(spec as ModelSpec);
    expect(bad({ sde: { kind: 'diffflow', drift: { kind: 'conv' }, diffusion: { kind: 'constant', value: 1 } }, score: mlp('s', 1) })).toThrow(/field.kind has no kind this library builds, got "conv"/);
    expect(bad({ sde: { kind: 'ou' }, score: mlp('s', 1) })).toThrow(/sde.kind .* got "ou"/);
    expect(bad({ sde: { kind: 'diffflow', drift: { kind: 'sum', fields: [] }, diffusion: { kind: 'constant', value: 1 } }, score: mlp('s', 1) })).toThrow(/a sum needs at least one field/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
