/** The retry policy every trainer shares, and the error it ends in. */
import { NonFiniteFieldError } from '@diffflow/sde-core';

/**
 * Raised when an iteration stays non-finite after every retry. Weights are the last good ones;
 * `checkpoint`, when given, names the file they were saved to (the training loop adds it).
 */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  constructor(
    readonly iteration: number,
    readonly term: string,
    readonly checkpoint?: string,
  ) {
    super(
      `training diverged at iteration ${iteration}: ${term} is not finite (weights kept from the last good iteration)` +
        (checkpoint === undefined ? '' : `; checkpoint ${checkpoint} holds the last good weights`),
    );
  }
}

/** One try at an iteration: its result, or what went non-finite. */
export type Attempt<M> = { readonly value: M } | { readonly failed: string };

/**
 * The retry policy both trainers share: tries 0, 1, … maxRetries of `iteration` (each caller draws
 * fresh noise per try) until one succeeds; returns its value and how many tries were skipped, or
 * throws a {@link DivergenceError} naming the last failure. A try that throws sde-core's
 * `NonFiniteFieldError` (a field, or the x it was given, went NaN/±∞ mid-step) counts as a failed try,
 * named by the error's `what`.
 */
export function firstGoodAttempt<M>(iteration: number, maxRetries: number, attempt: (k: number) => Attempt<M>): { value: M; retries: number } {
  let lastFailure = '';
  for (let k = 0; k <= maxRetries; k++) {
    let out: Attempt<M>;
    try {
      out = attempt(k);
    } catch (e) {
      if (!(e instanceof NonFiniteFieldError)) throw e;
      out = { failed: e.what };
    }
    if ('value' in out) return { value: out.value, retries: k };
    lastFailure = out.failed;
  }
  throw new DivergenceError(iteration, lastFailure);
}
