import { describe, expect, it } from 'vitest';
import { NonFiniteFieldError } from '@diffflow/sde-core';
import { DivergenceError, firstGoodAttempt } from './retry.js';

describe('firstGoodAttempt', () => {
  it('returns the first good try and how many were skipped', () => {
    expect(firstGoodAttempt(3, 2, (k) => (k < 2 ? { failed: `try ${k}` } : { value: k }))).toEqual({ value: 2, retries: 2 });
  });

  it('counts a try whose field went non-finite (NonFiniteFieldError) as failed, naming it in the DivergenceError', () => {
    let tries = 0;
    const attempt = (): never => {
      tries++;
      throw new NonFiniteFieldError('mlp', 'drift', { t: 0.5, step: 3 }, Number.NaN, 0);
    };
    let error: unknown;
    try {
      firstGoodAttempt(7, 2, attempt);
    } catch (e) {
      error = e;
    }
    expect(tries).toBe(3);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as Error).message).toMatch(/^training diverged at iteration 7: the drift field 'mlp' \(NaN, row 0, t = 0\.5, step 3\) is not finite \(weights kept/);
  });

  it('lets any other error through at once', () => {
    let tries = 0;
    expect(() =>
      firstGoodAttempt(0, 5, () => {
        tries++;
        throw new RangeError('a bad config');
      }),
    ).toThrow('a bad config');
    expect(tries).toBe(1);
  });
});
