import * as tf from '@tensorflow/tfjs-core';
import { flatLayout } from './flat_layout.js';

/**
 * Exponential moving average of weights, as the reference trainer: after each update
 * θ̄ ← d θ̄ + (1 − d) θ with d = min(decay, (1 + k)/(warmup + k)) at update k (k = 1, 2, …),
 * so early averages are not dominated by the random initialisation.
 */
export interface Ema {
  /**
   * Moves the averages one step toward the current weights: `current` [P], the variables' values
   * laid end to end in the order of the `variables` given to {@link ema} (e.g. what
   * `Adam.applyFlat` returns), or read from the variables when omitted. The averages are kept as
   * one flat vector, so an update is three kernels on [P] whatever the number of variables.
   * @throws RangeError if `current` does not have P entries
   */
  update(current?: tf.Tensor): void;
  /** Runs `fn` with the averaged weights swapped into the variables, then restores them. */
  withAveraged<T>(fn: () => T): T;
  /** Async version of {@link withAveraged} (restores the live weights even if `fn` throws). */
  withAveragedAsync<T>(fn: () => Promise<T>): Promise<T>;
  readonly updates: number;
  /** Copies of the shadow weights keyed by variable name. */
  shadows(): Map<string, tf.Tensor>;
  /** Restores the averages and the update count written by `shadows()`. */
  restore(updates: number, shadows: ReadonlyMap<string, tf.Tensor>): void;
  /** Frees the averages. */
  dispose(): void;
}

/** An {@link Ema} of `variables` (float32; decay d, warm-up as described there). */
export function ema(variables: readonly tf.Variable[], decay = 0.999, warmup = 10): Ema {
  if (!(decay >= 0 && decay < 1)) throw new RangeError(`ema decay must be in [0, 1), got ${decay}`);
  const layout = flatLayout(variables);
  let shadow: tf.Tensor1D = tf.keep(layout.values());
  let updates = 0;
  const swap = (): void => {
    const live = tf.keep(layout.values());
    layout.assign(shadow);
    shadow.dispose();
    shadow = live;
  };
  return {
    get updates() {
      return updates;
    },
    update(current) {
      if (current !== undefined && current.size !== layout.size) {
        throw new RangeError(`ema.update: current must have P = ${layout.size} entries, got shape [${current.shape}]`);
      }
      updates += 1;
      const d = Math.min(decay, (1 + updates) / (warmup + updates));
      const next = tf.tidy(() => tf.add(tf.mul(shadow, d), tf.mul(current ?? layout.values(), 1 - d)) as tf.Tensor1D);
      shadow.dispose();
      shadow = tf.keep(next);
    },
    withAveraged(fn) {
      swap();
      try {
        return fn();
      } finally {
        swap();
      }
    },
    async withAveragedAsync(fn) {
      swap();
      try {
        return await fn();
      } finally {
        swap();
      }
    },
    shadows() {
      const pieces = layout.split(shadow);
      return new Map(layout.names.map((name, k) => [name, pieces[k] as tf.Tensor]));
    },
    restore(restoredUpdates, shadows) {
      const byName: tf.NamedTensorMap = {};
      for (const v of variables) {
        const t = shadows.get(v.name);
        if (t === undefined) throw new RangeError(`ema.restore: missing shadow of ${v.name}`);
        if (t.shape.join(',') !== v.shape.join(',')) throw new RangeError(`ema.restore: shadow of ${v.name} has shape [${t.shape}], expected [${v.shape}]`);
        byName[v.name] = t;
      }
      const next = layout.flatten(byName);
      shadow.dispose();
      shadow = tf.keep(next);
      updates = restoredUpdates;
    },
    dispose() {
      shadow.dispose();
    },
  };
}
