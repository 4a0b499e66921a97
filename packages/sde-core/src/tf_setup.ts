import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs is not set up the way the library needs: no backend registered, or no gradient functions
 * (tfjs-core registers neither on import). The message names the call that fixes it.
 */
export class TfSetupError extends Error {
  /** What is missing. */
  readonly missing: 'backend' | 'gradients';

  constructor(where: string, missing: 'backend' | 'gradients') {
    super(
      missing === 'backend'
        ? `${where}: no tfjs backend is registered — call \`await selectBackend()\` from @diffflow/backend once before using the library (or import and set a tfjs backend yourself)`
        : `${where}: tfjs's gradient functions are not registered — call \`await registerGradients()\` from @diffflow/backend once (\`selectBackend()\` does it for you) before computing gradients`,
    );
    this.name = 'TfSetupError';
    this.missing = missing;
  }
}

/** What {@link requireBackend} / {@link requireGradients} read of tfjs's global state (a seam for tests). */
export interface TfState {
  /** Names of the registered backends. */
  readonly backends: readonly string[];
  /** Whether a gradient function is registered for a kernel, e.g. 'Add'. */
  readonly hasGradient: (kernel: string) => boolean;
}

/** tfjs's global state as it is now. */
export function tfState(): TfState {
  return {
    backends: Object.keys(tf.engine().registryFactory),
    hasGradient: (kernel) => tf.getGradient(kernel) !== undefined,
  };
}

/**
 * Throws a {@link TfSetupError} naming `selectBackend()` unless some tfjs backend is registered.
 * The library's entry points call it first, so a missing backend does not surface as tfjs's
 * "No backend found in registry." from deep inside.
 * @param where the function, for the message
 */
export function requireBackend(where: string, state: TfState = tfState()): void {
  if (state.backends.length === 0) throw new TfSetupError(where, 'backend');
}

/**
 * Throws a {@link TfSetupError} unless a backend is registered and so are tfjs's gradient functions
 * (checked on `Add`, which every gradient in the library uses), naming `selectBackend()` /
 * `registerGradients()`: what the gradient strategies, training and the likelihoods call first,
 * instead of tfjs's "gradient function not found for Add" halfway through a step.
 */
export function requireGradients(where: string, state: TfState = tfState()): void {
  requireBackend(where, state);
  if (!state.hasGradient('Add')) throw new TfSetupError(where, 'gradients');
}
