import * as tf from '@tensorflow/tfjs-core';

/**
 * A fixed list of float32 variables laid end to end as one vector θ ∈ ℝ^P (P = Σ_k |θ_k|, in the
 * list's order), so an optimiser step is a handful of kernels on [P] instead of a handful per
 * variable. Flattening and splitting copy values and never round them: an elementwise update on the
 * flat vector gives bit for bit what the same update gives per variable.
 */
export interface FlatLayout {
  /** The variables' tfjs names, in layout order. */
  readonly names: readonly string[];
  /** The variables' entry counts |θ_k|, in layout order. */
  readonly sizes: readonly number[];
  /** P = Σ_k |θ_k|. */
  readonly size: number;
  /**
   * The tensors of `byName` (keyed by variable name, any shape of the variable's size) as one
   * vector [P]; a variable with no entry contributes zeros. A new tensor (the caller disposes it).
   * @throws RangeError naming a key that is no variable of the layout, or an entry of the wrong size
   */
  flatten(byName: tf.NamedTensorMap): tf.Tensor1D;
  /** Which variables have an entry in `byName`, in layout order (unknown keys: see {@link flatten}). */
  present(byName: tf.NamedTensorMap): boolean[];
  /** The variables' current values as one vector [P] (a new tensor). */
  values(): tf.Tensor1D;
  /** `flat` [P] split into the variables' shapes, in layout order (new tensors). */
  split(flat: tf.Tensor): tf.Tensor[];
  /** Assigns the pieces of `flat` [P] to the variables. */
  assign(flat: tf.Tensor): void;
}

/**
 * Backends whose tensors live in this thread's memory: there {@link FlatLayout.split} reads the
 * vector once and copies each piece into a new tensor (tfjs-wasm's `slice`, which `tf.split` runs per
 * piece, copies its whole input each time: 82 ms for the images U-Net's 288 pieces of P = 120,258);
 * elsewhere (webgl, webgpu) it is `tf.split`.
 */
const hostBackends = new Set(['wasm', 'cpu']);

/**
 * The {@link FlatLayout} of `variables`.
 * @throws RangeError if a variable is not float32 or two share a name
 */
export function flatLayout(variables: readonly tf.Variable[]): FlatLayout {
  const names = variables.map((v) => v.name);
  const sizes = variables.map((v) => v.size);
  const index = new Map(names.map((n, k) => [n, k]));
  if (index.size !== names.length) throw new RangeError('flatLayout: two variables share a name');
  for (const v of variables) {
    if (v.dtype !== 'float32') throw new RangeError(`flatLayout: variable ${v.name} is ${v.dtype}, only float32 is allowed`);
  }
  const size = sizes.reduce((a, b) => a + b, 0);
  const joined = (pieces: tf.Tensor[]): tf.Tensor1D =>
    tf.tidy(() => (pieces.length === 0 ? tf.zeros([0]) : tf.concat(pieces.map((p) => (p.rank === 1 ? p : tf.reshape(p, [-1]))))) as tf.Tensor1D);
  const check = (byName: tf.NamedTensorMap): void => {
    for (const [name, t] of Object.entries(byName)) {
      const k = index.get(name);
      if (k === undefined) throw new RangeError(`flatLayout: '${name}' is not one of the ${names.length} variables`);
      if (t.size !== sizes[k]) throw new RangeError(`flatLayout: '${name}' has ${t.size} entries, the variable has ${sizes[k]}`);
    }
  };
  const requireSize = (flat: tf.Tensor): void => {
    if (flat.size !== size) throw new RangeError(`flatLayout: a flat vector must have P = ${size} entries, got shape [${flat.shape}]`);
  };
  const split = (flat: tf.Tensor): tf.Tensor[] => {
    requireSize(flat);
    if (variables.length === 0) return [];
    if (hostBackends.has(tf.getBackend())) {
      // one read and a copy per piece: tfjs-wasm's slice reads its whole input per piece (O(K·P))
      const data = flat.dataSync();
      let offset = 0;
      return variables.map((v, k) => {
        const n = sizes[k] as number;
        const piece = tf.tensor(data.slice(offset, offset + n), v.shape, 'float32');
        offset += n;
        return piece;
      });
    }
    return tf.tidy(() =>
      tf.split(flat.rank === 1 ? flat : tf.reshape(flat, [-1]), [...sizes]).map((piece, k) => {
        const shape = (variables[k] as tf.Variable).shape;
        return shape.length === 1 ? piece : tf.reshape(piece, shape);
      }),
    );
  };
  return {
    names,
    sizes,
    size,
    flatten(byName) {
      check(byName);
      return tf.tidy(() => {
        // a run of variables without an entry (the drift's, in the score warm-up) is one zeros piece
        const pieces: tf.Tensor[] = [];
        let missing = 0;
        for (const v of variables) {
          const t = byName[v.name];
          if (t === undefined) {
            missing += v.size;
            continue;
          }
          if (missing > 0) pieces.push(tf.zeros([missing]));
          missing = 0;
          pieces.push(t);
        }
        if (missing > 0) pieces.push(tf.zeros([missing]));
        return joined(pieces);
      });
    },
    present(byName) {
      check(byName);
      return names.map((n) => byName[n] !== undefined);
    },
    values: () => joined([...variables]),
    split,
    assign(flat) {
      tf.tidy(() => {
        const pieces = split(flat);
        variables.forEach((v, k) => v.assign(pieces[k] as tf.Tensor));
      });
    },
  };
}
