import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs's engine state a gradient tape lives in (public on `tf.engine().state`, untyped there). */
interface TapeState {
  activeTape: { saved?: tf.Tensor[] }[] | null;
  gradientDepth: number;
}

/**
 * `fn()` (which computes gradients: `tf.grad`, `tf.variableGrads`, `tf.engine().gradients`), freeing
 * the gradient tape's saved tensors when it throws. tfjs frees them only after a backward pass: when
 * the forward function throws (a user's field that throws or returns NaN, a prior of the wrong
 * shape), the outermost tape is left behind and the tensors it saved for the backward pass stay
 * alive until the process ends. Nested inside another gradient computation it leaves the tape to
 * the outer one.
 */
export function tapeSafe<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const state = tf.engine().state as unknown as TapeState;
    if (state.gradientDepth === 0 && state.activeTape !== null) {
      for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
      state.activeTape = null;
    }
    throw e;
  }
}
