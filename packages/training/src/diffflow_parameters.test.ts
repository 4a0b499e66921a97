import { describe, expect, it } from 'vitest';
import { constantDiffusion, diffflowSde, diffusionModel } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { expectNoLeaks } from '@diffflow/test-utils';
import { disposeModel, namedParameters } from './diffflow_parameters.js';

describe('namedParameters / disposeModel', () => {
  it("names the drift's parameters 'drift/…' and the score's 'score/…', the same variables, and releases both", () => {
    expectNoLeaks(() => {
      const drift = fourierMlp({ dim: 2, hidden: 4, layers: 1, seed: 0, name: 'drift' });
      const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2) }), fourierMlp({ dim: 2, hidden: 4, layers: 1, seed: 1, name: 'score' }));
      const named = namedParameters(model);
      expect(named).toHaveLength(model.sde.drift.parameters.length + model.score.parameters.length);
      expect(named.map((p) => p.name)).toEqual([...model.sde.drift.parameters.map((p) => `drift/${p.name}`), ...model.score.parameters.map((p) => `score/${p.name}`)]);
      expect(named[0]?.variable).toBe(model.sde.drift.parameters[0]?.variable);
      disposeModel(model);
    });
  });
});
