import { describe, expect, it } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel, modelFields } from '@diffflow/sde-core';
import { expectNoLeaks } from '@diffflow/test-utils';
import { fourierMlp } from './fourier_mlp.js';
import { fourierDiffFlowSpec } from './fourier_diffflow_spec.js';
import { modelFromSpec } from './model_spec.js';

describe('fourierDiffFlowSpec', () => {
  it('builds the model written out by hand: the same parameter names, shapes and initial weights, g and [0, T]', () => {
    const mlp = { dim: 3, hidden: 8, layers: 1, activation: 'silu', seed: 5 } as const;
    expectNoLeaks(() => {
      const built = modelFromSpec(fourierDiffFlowSpec({ ...mlp, g: 0.3, T: 0.05 }));
      const drift = fourierMlp({ ...mlp, name: 'drift' });
      const score = fourierMlp({ ...mlp, name: 'score' });
      const byHand = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.3), interval: [0, 0.05] }), score);
      try {
        expect(built.sde.diffusion(0.01)).toBe(0.3);
        expect(built.sde.interval).toEqual([0, 0.05]);
        const params = (m: typeof built) => [...m.sde.drift.parameters, ...m.score.parameters].map((p) => ({ name: p.name, shape: p.variable.shape, values: Array.from(p.variable.dataSync()) }));
        expect(params(built)).toEqual(params(byHand));
        expect(built.sde.drift.parameters[0]!.variable.dataSync()).not.toEqual(built.score.parameters[0]!.variable.dataSync());
      } finally {
        for (const m of [built, byHand]) modelFields(m).forEach((f) => f.dispose());
      }
    });
  });

  it('names g or T when it is not a finite number > 0', () => {
    for (const [bad, name] of [[{ g: 0, T: 1 }, /g must be/], [{ g: 0.2, T: Number.NaN }, /T must be/], [{ g: -1, T: 1 }, /g must be/]] as const) {
      expect(() => fourierDiffFlowSpec({ dim: 2, ...bad })).toThrow(name);
    }
  });
});
