import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { requireBackend, requireGradients, tfState, TfSetupError } from './tf_setup.js';

describe('requireBackend / requireGradients', () => {
  it('pass when tfjs has a backend and its gradients (the test setup registers both)', () => {
    expect(tfState().backends.length).toBeGreaterThan(0);
    expect(tfState().hasGradient('Add')).toBe(true);
    expect(() => requireGradients('here')).not.toThrow();
  });

  it('name selectBackend() when no backend is registered', () => {
    const none = { backends: [], hasGradient: () => true };
    for (const check of [requireBackend, requireGradients]) {
      let error: unknown;
      try {
        check('sampleMarginal', none);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TfSetupError);
      expect(error).toMatchObject({ name: 'TfSetupError', missing: 'backend' });
      expect((error as Error).message).toMatch(/^sampleMarginal: no tfjs backend is registered — call `await selectBackend\(\)` from @diffflow\/backend/);
    }
  });

  it('name registerGradients() when the gradients are missing, reading tfjs-core’s registry', () => {
    const config = tf.getGradient('Add');
    tf.unregisterGradient('Add');
    try {
      expect(() => requireBackend('adjoint')).not.toThrow();
      expect(() => requireGradients('adjoint')).toThrow(/^adjoint: tfjs's gradient functions are not registered — call `await registerGradients\(\)` from @diffflow\/backend/);
    } finally {
      tf.registerGradient(config);
    }
    expect(() => requireGradients('adjoint')).not.toThrow();
  });
});
