import * as tf from '@tensorflow/tfjs-core';

/**
 * Exponential moving average of weights, as the reference trainer: after each update
 * θ̄ ← d θ̄ + (1 − d) θ with d = min(decay, (1 + k)/(warmup + k)) at update k (k = 1, 2, …),
 * so early averages are not dominated by the random initialisation.
 */
export interface Ema {
  /** Moves the averages one step toward the current weights. */
  update(): void;
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

/** An {@link Ema} of `variables` (decay d, warm-up as described there). */
export function ema(variables: readonly tf.Variable[], decay = 0.999, warmup = 10): Ema {
  if (!(decay >= 0 && decay < 1)) throw new RangeError(`ema decay must be in [0, 1), got ${decay}`);
  const shadow = new Map<string, tf.Tensor>(variables.map((v) => [v.name, tf.keep(tf.clone(v))]));
  let updates = 0;
  const swap = (): void => {
    for (const v of variables) {
      const avg = shadow.get(v.name) as tf.Tensor;
      const live = tf.keep(tf.clone(v));
      v.assign(avg);
      avg.dispose();
      shadow.set(v.name, live);
    }
  };
  return {
    get updates() {
      return updates;
    },
    update() {
      updates += 1;
      const d = Math.min(decay, (1 + updates) / (warmup + updates));
      for (const v of variables) {
        const next = tf.tidy(() => tf.add(tf.mul(shadow.get(v.name) as tf.Tensor, d), tf.mul(v, 1 - d)));
        shadow.get(v.name)?.dispose();
        shadow.set(v.name, tf.keep(next));
      }
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
      return new Map([...shadow].map(([k, t]) => [k, tf.clone(t)]));
    },
    restore(restoredUpdates, shadows) {
      for (const v of variables) {
        const t = shadows.get(v.name);
        if (t === undefined) throw new RangeError(`ema.restore: missing shadow of ${v.name}`);
        shadow.get(v.name)?.dispose();
        shadow.set(v.name, tf.keep(tf.clone(t)));
      }
      updates = restoredUpdates;
    },
    dispose() {
      for (const t of shadow.values()) t.dispose();
      shadow.clear();
    },
  };
}
