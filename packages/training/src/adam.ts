import * as tf from '@tensorflow/tfjs-core';

/**
 * Adam (Kingma & Ba) with its whole state in plain view, so a checkpoint holds exactly what the
 * next step reads and a resumed run is bit-identical to an uninterrupted one:
 *   m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
 *   θ ← θ − lr · √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε̂),  ε̂ = ε √(1 − β₂ᵗ)
 * (the bias corrections are computed in float64 from the step count t, not accumulated).
 */
export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** Adam (PyTorch's update rule) over a fixed list of variables, with its state for checkpoints. */
export interface Adam {
  /** Steps taken so far (t). */
  readonly step: number;
  /** Applies one update with learning rate `lr` to every variable that has a gradient. */
  apply(grads: tf.NamedTensorMap, lr: number): void;
  /** The moment estimates keyed `m/<variable name>` and `v/<variable name>` (copies owned by the caller). */
  state(): { step: number; slots: Map<string, tf.Tensor> };
  /** Restores state written by `state()`. */
  restore(step: number, slots: ReadonlyMap<string, tf.Tensor>): void;
  /** Frees the moment estimates. */
  dispose(): void;
}

export function adam(variables: readonly tf.Variable[], options: AdamOptions = {}): Adam {
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const m = new Map(variables.map((v) => [v.name, tf.keep(tf.zerosLike(v))]));
  const s = new Map(variables.map((v) => [v.name, tf.keep(tf.zerosLike(v))]));
  let step = 0;
  const replace = (map: Map<string, tf.Tensor>, name: string, value: tf.Tensor): void => {
    map.get(name)?.dispose();
    map.set(name, tf.keep(value));
  };
  return {
    get step() {
      return step;
    },
    apply(grads, lr) {
      step += 1;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      const stepSize = (lr * Math.sqrt(c2)) / c1;
      const epsHat = epsilon * Math.sqrt(c2);
      for (const variable of variables) {
        const g = grads[variable.name];
        if (g === undefined) continue;
        tf.tidy(() => {
          const m1 = tf.add(tf.mul(m.get(variable.name) as tf.Tensor, beta1), tf.mul(g, 1 - beta1));
          const v1 = tf.add(tf.mul(s.get(variable.name) as tf.Tensor, beta2), tf.mul(tf.square(g), 1 - beta2));
          variable.assign(tf.sub(variable, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsHat)), stepSize)));
          replace(m, variable.name, m1);
          replace(s, variable.name, v1);
        });
      }
    },
    state() {
      const slots = new Map<string, tf.Tensor>();
      for (const [name, t] of m) slots.set(`m/${name}`, tf.clone(t));
      for (const [name, t] of s) slots.set(`v/${name}`, tf.clone(t));
      return { step, slots };
    },
    restore(restoredStep, slots) {
      for (const [prefix, map] of [['m', m], ['v', s]] as const) {
        for (const variable of variables) {
          const t = slots.get(`${prefix}/${variable.name}`);
          if (t === undefined) throw new RangeError(`adam.restore: missing slot ${prefix}/${variable.name}`);
          if (t.shape.join(',') !== variable.shape.join(',')) {
            throw new RangeError(`adam.restore: slot ${prefix}/${variable.name} has shape [${t.shape}], expected [${variable.shape}]`);
          }
          replace(map, variable.name, tf.clone(t));
        }
      }
      step = restoredStep;
    },
    dispose() {
      for (const t of [...m.values(), ...s.values()]) t.dispose();
      m.clear();
      s.clear();
    },
  };
}
