import * as tf from '@tensorflow/tfjs-core';
import { flatLayout, type FlatLayout } from './flat_layout.js';

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

/**
 * Adam (PyTorch's update rule) over a fixed list of variables, with its state for checkpoints. The
 * moments live as two flat vectors over the variables' {@link FlatLayout}, so a step is one set of
 * kernels on [P] whatever the number of variables: bit for bit the per-variable update, since
 * every operation is elementwise.
 */
export interface Adam {
  /** Steps taken so far (t). */
  readonly step: number;
  /** The order of the flat vectors {@link applyFlat} reads and returns. */
  readonly layout: FlatLayout;
  /**
   * Applies one update with learning rate `lr` to every variable that has a gradient in `grads`
   * (keyed by variable name); a variable without one keeps its value and moments.
   * @throws RangeError for a key that is no variable of this Adam
   */
  apply(grads: tf.NamedTensorMap, lr: number): void;
  /**
   * The same step from the gradients already laid out flat: `g` [P] in {@link layout} order, and
   * `present[k]` false for a variable that has no gradient (its value and moments stay; all true
   * when omitted). Assigns the variables and returns their new values θ [P] (the caller disposes).
   * @throws RangeError if `g` does not have P entries or `present` not one flag per variable
   */
  applyFlat(g: tf.Tensor, lr: number, present?: readonly boolean[]): tf.Tensor1D;
  /** The moment estimates keyed `m/<variable name>` and `v/<variable name>` (copies owned by the caller). */
  state(): { step: number; slots: Map<string, tf.Tensor> };
  /** Restores state written by `state()`. */
  restore(step: number, slots: ReadonlyMap<string, tf.Tensor>): void;
  /** Frees the moment estimates. */
  dispose(): void;
}

/** An {@link Adam} over `variables` (float32; β₁ = 0.9, β₂ = 0.999, ε = 1e-8 unless given). */
export function adam(variables: readonly tf.Variable[], options: AdamOptions = {}): Adam {
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const layout = flatLayout(variables);
  let m: tf.Tensor1D = tf.keep(tf.zeros([layout.size]));
  let s: tf.Tensor1D = tf.keep(tf.zeros([layout.size]));
  /** `present` as a bool mask [P] (a new tensor), or null when every variable has a gradient. */
  const maskOf = (present: readonly boolean[]): tf.Tensor1D | null => {
    if (present.every((p) => p)) return null;
    const flags = new Uint8Array(layout.size);
    let offset = 0;
    present.forEach((p, k) => {
      const n = layout.sizes[k] as number;
      if (p) flags.fill(1, offset, offset + n);
      offset += n;
    });
    return tf.tensor1d(flags, 'bool');
  };
  let step = 0;
  const applyFlat = (g: tf.Tensor, lr: number, present?: readonly boolean[]): tf.Tensor1D => {
    if (g.size !== layout.size) throw new RangeError(`adam.applyFlat: g must have P = ${layout.size} entries, got shape [${g.shape}]`);
    if (present !== undefined && present.length !== layout.names.length) {
      throw new RangeError(`adam.applyFlat: present must hold one flag per variable (${layout.names.length}), got ${present.length}`);
    }
    step += 1;
    const c1 = 1 - beta1 ** step;
    const c2 = 1 - beta2 ** step;
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const epsHat = epsilon * Math.sqrt(c2);
    return tf.tidy(() => {
      const mask = present === undefined ? null : maskOf(present);
      const theta = layout.values();
      let m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
      let v1 = tf.add(tf.mul(s, beta2), tf.mul(tf.square(g), 1 - beta2));
      let theta1 = tf.sub(theta, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsHat)), stepSize));
      if (mask !== null) {
        m1 = tf.where(mask, m1, m);
        v1 = tf.where(mask, v1, s);
        theta1 = tf.where(mask, theta1, theta);
      }
      layout.assign(theta1);
      m.dispose();
      s.dispose();
      m = tf.keep(m1) as tf.Tensor1D;
      s = tf.keep(v1) as tf.Tensor1D;
      return theta1 as tf.Tensor1D;
    });
  };
  return {
    get step() {
      return step;
    },
    layout,
    apply(grads, lr) {
      const present = layout.present(grads);
      tf.tidy(() => {
        applyFlat(layout.flatten(grads), lr, present);
      });
    },
    applyFlat,
    state() {
      const slots = new Map<string, tf.Tensor>();
      for (const [prefix, flat] of [['m', m], ['v', s]] as const) {
        layout.split(flat).forEach((t, k) => slots.set(`${prefix}/${layout.names[k]}`, t));
      }
      return { step, slots };
    },
    restore(restoredStep, slots) {
      const pieces: Record<'m' | 'v', tf.NamedTensorMap> = { m: {}, v: {} };
      for (const prefix of ['m', 'v'] as const) {
        for (const variable of variables) {
          const t = slots.get(`${prefix}/${variable.name}`);
          if (t === undefined) throw new RangeError(`adam.restore: missing slot ${prefix}/${variable.name}`);
          if (t.shape.join(',') !== variable.shape.join(',')) {
            throw new RangeError(`adam.restore: slot ${prefix}/${variable.name} has shape [${t.shape}], expected [${variable.shape}]`);
          }
          pieces[prefix][variable.name] = t;
        }
      }
      const m1 = layout.flatten(pieces.m);
      const v1 = layout.flatten(pieces.v);
      m.dispose();
      s.dispose();
      m = tf.keep(m1);
      s = tf.keep(v1);
      step = restoredStep;
    },
    dispose() {
      tf.dispose([m, s]);
    },
  };
}
