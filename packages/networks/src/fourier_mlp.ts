import * as tf from '@tensorflow/tfjs-core';
import { replayableUniforms, replayableNormals, requireBackend } from '@diffflow/sde-core';
import { activation, activationNames, gateScale, gateValue, gateWithDerivative, type ActivationName } from './activation.js';
import { dense } from './dense.js';
import type { Parameter, VectorField } from './vector_field.js';
import { asRows, rowsAffine } from './rows_affine.js';
import { gatedDensePullback } from './dense_pullback.js';
import { registerPullbacks, type TableLinearization, type TimeTable, type VjpResult, type WithVjp } from './vjp.js';

/** Options of {@link fourierMlp}; defaults are the reference 2-D network. */
export interface FourierMlpOptions {
  /** Data dimension D (inputs and outputs are [B, D]). */
  readonly dim: number;
  /** Width of every hidden layer (reference: 128). */
  readonly hidden?: number;
  /** Number of hidden ch→ch layers after the input layer (reference: 3). */
  readonly layers?: number;
  /** Smooth activation (reference: GELU; here its sigmoid form, see activation.ts). */
  readonly activation?: ActivationName;
  /** Seed of the initial weights. */
  readonly seed?: number;
  /** Name of the field ('drift', 'score', …); prefixes the tfjs variable names. */
  readonly name?: string;
}

/** A forward pass kept for one later pull-back: see `linearize` of {@link fourierMlp}. */
export interface Linearization {
  /** v(x, t): [B, D]. The caller disposes it. */
  readonly value: tf.Tensor;
  /** dyᵀ∂v/∂x and dyᵀ∂v/∂θ (in `parameters` order), as `vjp` gives them; frees the cache. Once only. */
  pullback(dy: tf.Tensor): { readonly dx: tf.Tensor; readonly dparams: readonly tf.Tensor[] };
  /** Frees the cache without pulling back (no-op after `pullback`). */
  dispose(): void;
  /** Bytes of tensor data the cache holds until `pullback` / `dispose` (0 once freed). */
  readonly cacheBytes: number;
}

/** How a linearization keeps its forward pass (see `linearize` of {@link fourierMlp}). */
export interface LinearizeOptions {
  /**
   * Keep only each gated layer's pre-activation (L + 1 tensors [B, h]) and recompute the gates and
   * their derivatives (elementwise) at the pull-back, instead of keeping both (2(L + 1) tensors):
   * half the memory, for a caller that holds many linearizations at once (the adjoint's rollout).
   */
  readonly compact?: boolean;
}

/** A Fourier-time MLP: a vector field with a hand-written pull-back (`vjp`) and `linearize`. */
export type FourierMlp = VectorField &
  WithVjp & {
    /** The forward pass once now, its pull-back later (see {@link linearize} of the package). */
    linearize(x: tf.Tensor, t: number, options?: LinearizeOptions): Linearization;
    /** The time embedding at many times at once, pulled back once (see {@link TimeTable} of the package). */
    timeTable(times: readonly number[]): TimeTable;
  };

let instances = 0;

/**
 * Fourier-time MLP, the reference DiffFlow network for points:
 *   a = c ⊙ t + φ  (c = linspace(0.1, 100, h) fixed, φ trainable),
 *   e = W₂ σ(W₁ [sin a, cos a] + b₁) + b₂,
 *   h₀ = σ(W_in x + b_in + e),  h_{k+1} = σ(W_k h_k + b_k),  out = W_out h_L + b_out.
 * The time embedding is computed once per call on [1, h] when t is shared by the batch, or once for
 * many times by `timeTable` (a caller that evaluates the network at a fixed set of times: the adjoint).
 *
 * Besides `apply` (differentiable by tfjs autodiff) it has a tape-free `vjp` (what
 * `vjp(field, …)` of vjp.ts dispatches to) and `linearize` (the forward pass now, one pull-back
 * later). Both equal autodiff through `apply` up to float32 rounding. Tensors held from
 * construction to `dispose()`: the parameters, c, Wᵀ of the input, hidden and output weights,
 * the copies with the gate slope folded in (see `folded`) and [1, in, out] views of the weights (see
 * `rowWeights`: the tape-free forward passes run each layer as one `_FusedMatMul` kernel).
 *
 * Parameters for D = 2, h = 128, L = 3: 99,714 (as the reference).
 */
export function fourierMlp(options: FourierMlpOptions): FourierMlp {
  const { dim, hidden = 128, layers = 3, seed = 0, name = 'mlp' } = options;
  const act = activation(options.activation ?? 'gelu');
  const slope = gateScale(options.activation ?? 'gelu');
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`fourierMlp: dim must be an integer ≥ 1, got ${dim}`);
  if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`fourierMlp: hidden must be an integer ≥ 1, got ${hidden}`);
  if (!Number.isInteger(layers) || layers < 0) throw new RangeError(`fourierMlp: layers must be an integer ≥ 0, got ${layers}`);
  if (!activationNames.includes(options.activation ?? 'gelu')) {
    throw new RangeError(`fourierMlp: activation must be one of ${activationNames.join(', ')}, got ${options.activation}`);
  }
  requireBackend('fourierMlp');
  const uid = `${name}#${++instances}`;
  const parameters: Parameter[] = [];
  let draw = 0;
  const add = (pname: string, shape: number[], values: Float32Array): tf.Variable => {
    const init = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(init, true, `${uid}/${pname}`);
    init.dispose(); // the variable keeps the data (shared, reference-counted)
    parameters.push({ name: pname, variable });
    return variable;
  };
  /** PyTorch's nn.Linear initialisation: U(−1/√fan_in, 1/√fan_in) for weight and bias. */
  const linear = (pname: string, fanIn: number, fanOut: number): [tf.Variable, tf.Variable] => {
    const bound = 1 / Math.sqrt(fanIn);
    const uniform = (n: number): Float32Array =>
      Float32Array.from(replayableUniforms(n, { seed, purpose: `init/${name}`, iteration: draw++, step: 0 }), (u) => (2 * u - 1) * bound);
    return [add(`${pname}.weight`, [fanIn, fanOut], uniform(fanIn * fanOut)), add(`${pname}.bias`, [fanOut], uniform(fanOut))];
  };

  const coeff = tf.keep(tf.tidy(() => tf.reshape(tf.linspace(0.1, 100, hidden), [1, hidden])));
  const phase = add('time.phase', [1, hidden], replayableNormals(hidden, { seed, purpose: `init/${name}`, iteration: draw++, step: 0 }));
  const [inW, inB] = linear('input', dim, hidden);
  const [t1W, t1B] = linear('time.0', 2 * hidden, hidden);
  const [t2W, t2B] = linear('time.1', hidden, hidden);
  const body = Array.from({ length: layers }, (_, k) => linear(`hidden.${k}`, hidden, hidden));
  const [outW, outB] = linear('output', hidden, dim);

  const timeEmbedding = (t: number | tf.Tensor1D): tf.Tensor2D => {
    const a = typeof t === 'number' ? tf.add(tf.mul(coeff, t), phase) : tf.add(tf.mul(tf.reshape(t, [-1, 1]), coeff), phase);
    const feats = tf.concat([tf.sin(a), tf.cos(a)], 1) as tf.Tensor2D;
    return dense(act(dense(feats, t1W as tf.Tensor2D, t1B as tf.Tensor1D)) as tf.Tensor2D, t2W as tf.Tensor2D, t2B as tf.Tensor1D);
  };

  /**
   * Tensors derived from a variable and kept between calls: one tensor per entry from construction
   * to `dispose()` (the tensor count never changes); an entry is rebuilt when its variable has been
   * assigned (an optimizer step gives it a new data id).
   */
  interface Derived {
    readonly variable: tf.Variable;
    readonly make: (v: tf.Variable) => tf.Tensor;
    of: tf.DataId;
    value: tf.Tensor;
  }
  const derived = (variable: tf.Variable, make: (v: tf.Variable) => tf.Tensor): Derived => ({
    variable,
    make,
    of: variable.dataId,
    value: tf.keep(tf.tidy(() => make(variable))),
  });
  const current = (entry: Derived): tf.Tensor => {
    if (entry.of !== entry.variable.dataId) {
      entry.value.dispose();
      entry.value = tf.keep(tf.tidy(() => entry.make(entry.variable)));
      entry.of = entry.variable.dataId;
    }
    return entry.value;
  };

  /**
   * Wᵀ of the weights the pull-back multiplies by on the right (dh = dp·Wᵀ): wasm runs a matMul
   * through XNNPACK only without transpose flags, and packs the right operand once per tensor, so a
   * cached Wᵀ saves a transpose and a repack on every call.
   */
  const transposed = [inW, ...body.map(([w]) => w), outW].map((variable) => derived(variable, (v) => tf.transpose(v)));
  const transposeOf = (k: number): tf.Tensor2D => current(transposed[k] as Derived) as tf.Tensor2D;
  /**
   * [1, in, out] views of the weights for {@link rowsAffine} (the tape-free forward passes keep their
   * activations as [1, B, n]: one kernel per layer instead of five). Views share the weights' data.
   */
  const rowWeights = new Map([inW, t1W, t2W, ...body.map(([w]) => w), outW].map((variable) => [variable, derived(variable, (v) => asRows(v))]));
  const rowsOf = (w: tf.Variable): tf.Tensor3D => current(rowWeights.get(w) as Derived) as tf.Tensor3D;

  /**
   * The gate slope a folded into the weights, for the forward pass that keeps nothing (`apply`
   * without a tape: sampling, drift values). With q̃ = a·q every gate is a·σ(a q)·q = q̃·σ(q̃), one
   * kernel fewer than x·σ(a x), and the scale carries through the layers:
   *   ũ = gate₁(feats·(aW₁) + a b₁),  a e = ũ·W₂ + a b₂,  q̃₀ = x·(aW_in) + a b_in + a e,
   *   q̃_{k+1} = h̃_k·W_k + a b_k,  out = h̃_L·(W_out / a) + b_out   (h̃ = a h).
   * Kept like the Wᵀ above (see {@link Derived}): aW_in, a b_in, aW₁, a b₁, a b₂, a b_k, W_out / a,
   * the weights as [1, in, out] views for {@link rowsAffine}. None for a = 1.
   */
  const foldInto: [tf.Variable, number][] = [[inW, slope], [inB, slope], [t1W, slope], [t1B, slope], [t2B, slope], ...body.map(([, b]): [tf.Variable, number] => [b, slope]), [outW, 1 / slope]];
  const folded = (slope === 1 ? [] : foldInto).map(([variable, factor]) =>
    derived(variable, (v) => (v.rank === 2 ? asRows(tf.mul(v, factor)) : tf.mul(v, factor))),
  );
  const foldedOf = (k: number): tf.Tensor => current(folded[k] as Derived);
  /** z·σ̃(z) (σ̃: the flushed sigmoid of every gate), freeing z. */
  const unitGate = (z: tf.Tensor3D): tf.Tensor3D => {
    const out = gateValue(z, 1);
    z.dispose();
    return out;
  };
  const foldedAffine = (m: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor): tf.Tensor3D => rowsAffine(m, w as tf.Tensor3D, b as tf.Tensor1D);
  /** The forward pass with the gate slope folded into the weights (see {@link folded}); keeps nothing. */
  const foldedForward = (x: tf.Tensor2D, t: number | tf.Tensor1D): tf.Tensor2D => {
    const a = typeof t === 'number' ? tf.add(tf.mul(coeff, t), phase) : tf.add(tf.mul(tf.reshape(t, [-1, 1]), coeff), phase);
    const sinA = tf.sin(a);
    const cosA = tf.cos(a);
    const feats = tf.concat([sinA, cosA], 1) as tf.Tensor2D;
    tf.dispose([a, sinA, cosA]);
    const u = unitGate(foldedAffine(asRows(feats), foldedOf(2), foldedOf(3)));
    feats.dispose();
    const e = foldedAffine(u, rowsOf(t2W), foldedOf(4));
    u.dispose();
    const p0 = foldedAffine(asRows(x), foldedOf(0), foldedOf(1));
    let h = unitGate(tf.add(p0, e) as tf.Tensor3D);
    tf.dispose([p0, e]);
    body.forEach(([w], k) => {
      const next = unitGate(foldedAffine(h, rowsOf(w), foldedOf(5 + k)));
      h.dispose();
      h = next;
    });
    const value = foldedAffine(h, foldedOf(5 + layers), outB);
    h.dispose();
    return tf.reshape(value, [x.shape[0], dim]) as tf.Tensor2D;
  };

  const checkX = (x: tf.Tensor): void => {
    if (x.rank !== 2 || x.shape[1] !== dim) throw new RangeError(`${name}: x must be [B, ${dim}], got [${x.shape.join(', ')}]`);
  };

  const W = (v: tf.Variable): tf.Tensor2D => v as tf.Tensor2D;
  const b1 = (v: tf.Variable): tf.Tensor1D => v as tf.Tensor1D;
  /** m·W + b on [1, B, n] activations (see {@link rowsAffine}). */
  const affine = (m: tf.Tensor3D, w: tf.Variable, b: tf.Variable): tf.Tensor3D => rowsAffine(m, rowsOf(w), b1(b));
  /** A [B, n] tensor of a [1, B, n] one (a view), freeing the [1, B, n] one; a [B, n] one as it is. */
  const flat = (m: tf.Tensor): tf.Tensor2D => {
    if (m.rank === 2) return m as tf.Tensor2D;
    const out = tf.reshape(m, [-1, m.shape[m.rank - 1] as number]) as tf.Tensor2D;
    m.dispose();
    return out;
  };

  /** What the hand-written pull-back reads, kept by the forward pass. */
  interface Cache {
    /** Inputs of the hidden layers and of the output layer: h_0 … h_L ([B, h] or the forward's [1, B, h]). */
    readonly inputs: tf.Tensor[];
    /** Gate derivatives at the pre-activations of h_0 … h_L ([B, h] or [1, B, h]). */
    readonly slopes: tf.Tensor[];
    /** The time embedding's pieces ([1, ·], shared t only), or its row of a time table. */
    readonly time: TimeCache | TableRow;
  }
  interface TimeCache {
    readonly feats: tf.Tensor2D;
    readonly sinA: tf.Tensor2D;
    readonly cosA: tf.Tensor2D;
    /** [1, 1, h], as the forward pass made them. */
    readonly u: tf.Tensor;
    readonly du: tf.Tensor;
  }
  /**
   * A time's row of a {@link TimeTable}, or K times' rows for K blocks of rows (`linearizeBlocks`):
   * the embedding, and where the pull-back's cotangent goes.
   */
  interface TableRow {
    /** e(t): [h] (one time, held by the table), or [K, 1, h] (block k's e(t_k), held by the caller). */
    readonly e: tf.Tensor;
    /** Number of blocks K (1 for one time). */
    readonly blocks: number;
    /** Hands the table de = Σ_rows of each block dp₀ ([K, h]) of one pull-back. */
    readonly add: (de: tf.Tensor) => void;
  }
  /** The compact form of {@link Cache}: the pre-activations q_0 … q_L of h_0 … h_L (h_k = σ(q_k)), [1, B, h]. */
  interface CompactCache {
    readonly pre: tf.Tensor[];
    readonly time: TimeCache | TableRow;
  }
  const isRow = (c: TimeCache | TableRow): c is TableRow => 'add' in c;
  /** The tensors a cache holds for its time embedding (none for a table's row: the table holds them). */
  const timeTensors = (c: TimeCache | TableRow): tf.Tensor[] => (isRow(c) ? [] : [c.feats, c.sinA, c.cosA, c.u, c.du]);
  /** The full cache of a compact one (gates and derivatives recomputed); frees the compact one. */
  const expand = (c: CompactCache): Cache => {
    const inputs: tf.Tensor2D[] = [];
    const slopes: tf.Tensor2D[] = [];
    for (const q of c.pre) {
      const q2 = flat(q);
      const g = gateWithDerivative(q2, slope);
      inputs.push(g.value);
      slopes.push(g.derivative);
      q2.dispose();
    }
    return { inputs, slopes, time: c.time };
  };

  /** p + e on K blocks of rows: p [1, K·B, h], e [K, 1, h] (block k gets e_k; the same sums as K separate adds). */
  const blockAdd = (p: tf.Tensor3D, e: tf.Tensor, blocks: number): tf.Tensor3D => {
    const rows = p.shape[1] / blocks;
    const p3 = tf.reshape(p, [blocks, rows, hidden]);
    const sum = tf.add(p3, e);
    const out = tf.reshape(sum, [1, blocks * rows, hidden]) as tf.Tensor3D;
    tf.dispose([p3, sum]);
    return out;
  };

  /**
   * The forward pass without a tape: the same ops as the autodiff path (so the same numbers), each
   * intermediate freed as soon as the next layer has read it. With `cache`, keeps what `vjp` reads.
   */
  function forward(x: tf.Tensor2D, t: number | tf.Tensor1D, cache: false): { value: tf.Tensor2D };
  function forward(x: tf.Tensor2D, t: number, cache: true, row?: TableRow): { value: tf.Tensor2D; cache: Cache };
  function forward(x: tf.Tensor2D, t: number, cache: 'compact', row?: TableRow): { value: tf.Tensor2D; compact: CompactCache };
  function forward(x: tf.Tensor2D, t: number | tf.Tensor1D, cache: boolean | 'compact', row?: TableRow): { value: tf.Tensor2D; cache?: Cache; compact?: CompactCache } {
    const full = cache === true;
    const pre: tf.Tensor3D[] = [];
    const gate = (p: tf.Tensor3D, withDerivative = full): { value: tf.Tensor3D; derivative?: tf.Tensor3D } => {
      const g = withDerivative ? gateWithDerivative(p, slope) : { value: gateValue(p, slope) };
      if (cache === 'compact' && !withDerivative) pre.push(p);
      else p.dispose();
      return g;
    };
    // the time embedding: t's row of a table, or computed here
    let time: TimeCache | TableRow;
    let e: tf.Tensor;
    if (row !== undefined) {
      time = row;
      e = row.e;
    } else {
      const a = typeof t === 'number' ? tf.add(tf.mul(coeff, t), phase) : tf.add(tf.mul(tf.reshape(t, [-1, 1]), coeff), phase);
      const sinA = tf.sin(a) as tf.Tensor2D;
      const cosA = tf.cos(a) as tf.Tensor2D;
      a.dispose();
      const feats = tf.concat([sinA, cosA], 1) as tf.Tensor2D; // [1, 2h] (or [B, 2h] for per-row t)
      const feats3 = asRows(feats);
      const u = gate(affine(feats3, t1W, t1B), cache !== false); // [1, 1, h]: its derivative is kept in both cache forms
      feats3.dispose();
      e = affine(u.value, t2W, t2B);
      time = { feats, sinA, cosA, u: u.value, du: u.derivative as tf.Tensor3D };
      if (cache === false) tf.dispose([sinA, cosA, feats, u.value]);
    }
    const inputs: tf.Tensor3D[] = [];
    const slopes: tf.Tensor3D[] = [];
    const x3 = asRows(x);
    const p0 = affine(x3, inW, inB);
    let h = gate(row === undefined || row.blocks === 1 ? (tf.add(p0, e) as tf.Tensor3D) : blockAdd(p0, e, row.blocks));
    tf.dispose([x3, p0]);
    if (row === undefined) e.dispose();
    for (const [w, b] of body) {
      if (h.derivative !== undefined) slopes.push(h.derivative);
      inputs.push(h.value);
      h = gate(affine(h.value, w, b));
      if (!full) (inputs.pop() as tf.Tensor3D).dispose();
    }
    const value3 = affine(h.value, outW, outB);
    const value = tf.reshape(value3, [x.shape[0], dim]) as tf.Tensor2D;
    value3.dispose();
    if (cache === false) {
      h.value.dispose();
      return { value };
    }
    if (cache === 'compact') {
      h.value.dispose();
      return { value, compact: { pre, time } };
    }
    inputs.push(h.value);
    slopes.push(h.derivative as tf.Tensor3D);
    return { value, cache: { inputs, slopes, time } };
  }

  /**
   * Evaluates the field. With a gradient tape recording (tf.grad, variableGrads …) it runs the
   * differentiable layers (`dense`, `activation`, custom gradients); otherwise the tape-free
   * {@link foldedForward} (gate slope folded into the weights, one kernel fewer per gate; or
   * {@link forward} for a = 1), intermediates freed early. Both agree up to float32 rounding
   * (≈ 3e-7 relative at the reference size).
   */
  const apply = (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor =>
    tf.tidy(() => {
      checkX(x);
      if (typeof t !== 'number' && (t.rank !== 1 || t.shape[0] !== x.shape[0])) {
        throw new RangeError(`${name}: t must be a number or [B] = [${x.shape[0]}], got [${t.shape.join(', ')}]`);
      }
      if (tf.engine().state.gradientDepth === 0) return slope === 1 ? forward(x as tf.Tensor2D, t, false).value : foldedForward(x as tf.Tensor2D, t);
      let h = act(tf.add(dense(x as tf.Tensor2D, W(inW), b1(inB)), timeEmbedding(t))) as tf.Tensor2D;
      for (const [w, b] of body) h = act(dense(h, W(w), b1(b))) as tf.Tensor2D;
      return dense(h, W(outW), b1(outB));
    });

  const checkCotangent = (x: tf.Tensor, dy: tf.Tensor): void => {
    if (dy.rank !== 2 || dy.shape[0] !== x.shape[0] || dy.shape[1] !== dim) {
      throw new RangeError(`${name}: dy must be [B, ${dim}] = [${x.shape.join(', ')}], got [${dy.shape.join(', ')}]`);
    }
  };
  const checkTime = (t: number): void => {
    if (!Number.isFinite(t)) throw new RangeError(`${name}: t must be a finite number, got ${t}`);
  };

  /**
   * The backward pass through a forward cache, which it consumes (every cached tensor is freed as
   * soon as it has been read). Call inside a tidy. With a time table's row in the cache it hands the
   * table the embedding's cotangent and leaves the table's four gradients undefined.
   */
  const pullback = (x2: tf.Tensor2D, cache: Cache, dy2: tf.Tensor2D): { dx: tf.Tensor; dparams: (tf.Tensor | undefined)[] } => {
    const batch = x2.shape[0];
    // the forward pass keeps [1, B, h]; the products below are laid out for [B, h]
    const inputs = cache.inputs.map(flat);
    const slopes = cache.slopes.map(flat);

    // ---- backward ----
    // wasm's matMul runs XNNPACK only without transpose flags, and then packs its right operand
    // on first use (cached per weight tensor; a fresh activation is packed on every call). A
    // product with a thin side (D or 1 columns) is cheaper on the flagged plain loop, which packs
    // nothing: the bias sums (onesᵀ·M), ∂W_in = xᵀ·dp₀ and ∂W_out = h_Lᵀ·dy.
    const onesColumn = tf.ones([batch, 1]) as tf.Tensor2D;
    const colSum = (m: tf.Tensor2D): tf.Tensor1D => tf.reshape(tf.matMul(onesColumn, m, true, false), [m.shape[1]]) as tf.Tensor1D;
    const dOutW = tf.matMul(inputs[layers] as tf.Tensor2D, dy2, true, false);
    const dOutB = colSum(dy2);
    let dh = tf.matMul(dy2, transposeOf(layers + 1)) as tf.Tensor2D;
    const dBody: tf.Tensor[] = [];
    for (let k = layers - 1; k >= 0; k--) {
      const { dPre, dWeight, dBias } = gatedDensePullback(inputs[k] as tf.Tensor2D, dh, slopes[k + 1] as tf.Tensor2D);
      dBody.unshift(dWeight, dBias);
      tf.dispose([dh, slopes[k + 1] as tf.Tensor2D, inputs[k + 1] as tf.Tensor2D]);
      dh = tf.matMul(dPre, transposeOf(k + 1)) as tf.Tensor2D;
      dPre.dispose();
    }
    const dp0 = tf.mul(dh, slopes[0] as tf.Tensor2D) as tf.Tensor2D;
    tf.dispose([dh, slopes[0] as tf.Tensor2D, inputs[0] as tf.Tensor2D]);
    const dInW = tf.matMul(x2, dp0, true, false);
    const blocks = isRow(cache.time) ? cache.time.blocks : 1;
    // K blocks of rows: each block's column sum de_k (one batched product), and ∂b_in = Σ_k de_k
    const deBlocks =
      blocks === 1 ? undefined : (tf.reshape(tf.matMul(tf.ones([blocks, batch / blocks, 1]), tf.reshape(dp0, [blocks, batch / blocks, hidden]), true, false), [blocks, hidden]) as tf.Tensor2D);
    const dInB = deBlocks === undefined ? colSum(dp0) : (tf.reshape(tf.matMul(tf.ones([1, blocks]), deBlocks), [hidden]) as tf.Tensor1D);
    const dx = tf.matMul(dp0, transposeOf(0));
    dp0.dispose();
    // time embedding, all [1, ·]: the embedding's cotangent is the input bias's, de = Σ_rows dp0
    const de = deBlocks ?? (tf.reshape(dInB, [1, hidden]) as tf.Tensor2D);
    if (isRow(cache.time)) {
      // the table pulls every de back through the embedding at once; time.1.bias's gradient is de itself
      cache.time.add(de);
      return { dx, dparams: named({ 'input.weight': dInW, 'input.bias': dInB, 'time.1.bias': dInB, 'output.weight': dOutW, 'output.bias': dOutB }, dBody) };
    }
    const { feats, sinA, cosA, u } = cache.time;
    const du = tf.reshape(cache.time.du, [1, hidden]) as tf.Tensor2D;
    cache.time.du.dispose();
    const dT2W = tf.matMul(tf.reshape(u, [hidden, 1]), de);
    const du1 = tf.mul(tf.matMul(de, W(t2W), false, true), du); // [1, h]·W₂ᵀ (tiny: the flag beats a transpose)
    const dT1W = tf.matMul(tf.reshape(feats, [2 * hidden, 1]), du1);
    const dFeats = tf.matMul(du1, W(t1W), false, true); // [1, 2h]
    // d(sin a, cos a)/da = (cos a, −sin a); sum the two halves
    const dPhase = tf.matMul(tf.ones([1, 2]), tf.reshape(tf.mul(dFeats, tf.concat([cosA, tf.neg(sinA)], 1)), [2, hidden]));

    const dparams = named(
      {
        'time.phase': dPhase,
        'input.weight': dInW,
        'input.bias': dInB,
        'time.0.weight': dT1W,
        'time.0.bias': tf.reshape(du1, [hidden]),
        'time.1.weight': dT2W,
        'time.1.bias': dInB,
        'output.weight': dOutW,
        'output.bias': dOutB,
      },
      dBody,
    );
    tf.dispose([feats, sinA, cosA, u, du]);
    return { dx, dparams };
  };

  /**
   * The gradients in `parameters` order from those named (`undefined` where none is: the time
   * embedding's, which a table sums) and the hidden layers' (weight, bias, weight, …). A gradient
   * shared by two parameters (input.bias = time.1.bias) is handed out as distinct tensors.
   */
  const named = (byName: Record<string, tf.Tensor>, dBody: readonly tf.Tensor[]): (tf.Tensor | undefined)[] => {
    body.forEach((_, k) => {
      byName[`hidden.${k}.weight`] = dBody[2 * k] as tf.Tensor;
      byName[`hidden.${k}.bias`] = dBody[2 * k + 1] as tf.Tensor;
    });
    const seen = new Set<tf.Tensor>();
    return parameters.map((p) => {
      const g = byName[p.name];
      if (g === undefined) return undefined;
      if (seen.has(g)) return tf.clone(g);
      seen.add(g);
      return g;
    });
  };

  /**
   * The hand-written pull-back (see {@link WithVjp}): the tape-free forward pass keeping only what
   * the backward pass reads (each layer's input and gate derivative), then the backward pass with
   * matMuls laid out for the wasm backend, each intermediate freed once read. The time embedding
   * runs once on [1, h]. Bias gradients are column sums done as matMuls (wasm's axis-0 Sum
   * transposes first). Equal to the autodiff vjp through `apply` up to float32 rounding.
   */
  const vjp = (x: tf.Tensor, t: number, dy: tf.Tensor): VjpResult =>
    tf.tidy(() => {
      checkX(x);
      checkCotangent(x, dy);
      checkTime(t);
      const { value, cache } = forward(x as tf.Tensor2D, t, true);
      const { dx, dparams } = pullback(x as tf.Tensor2D, cache, dy as tf.Tensor2D);
      return { value, dx, dparams: dparams as tf.Tensor[] }; // no time table: every gradient is there
    });

  /**
   * The value now and the pull-back later: `linearize(x, t)` runs the forward pass once and keeps its
   * cache; `pullback(dy)` then equals `vjp(x, t, dy)` without a second forward pass (for a caller
   * that needs v(x, t) to choose the cotangent, as the adjoint does for the score). `x` must stay
   * alive until then. The cache is freed by `pullback` (callable once) or by `dispose`; inside a
   * `tf.tidy` it is also freed at the end of the scope.
   */
  const linearize = (x: tf.Tensor, t: number, options: LinearizeOptions = {}): Linearization => linearizeAt(x, t, options) as Linearization;
  /** {@link linearize}, with t's row of a time table when `row` is given (the pull-back then leaves the table's parameters undefined). */
  const linearizeAt = (x: tf.Tensor, t: number, options: LinearizeOptions, row?: TableRow): TableLinearization => {
    checkX(x);
    checkTime(t);
    const x2 = x as tf.Tensor2D;
    const compact = options.compact === true;
    let cache = null as Cache | CompactCache | null; // set inside the tidy below
    const heldBy = (c: Cache | CompactCache): tf.Tensor[] =>
      'pre' in c ? [...c.pre, ...timeTensors(c.time)] : [...c.inputs, ...c.slopes, ...timeTensors(c.time)];
    const value = tf.tidy(() => {
      const r = compact ? forward(x2, t, 'compact', row) : forward(x2, t, true, row);
      const c: Cache | CompactCache = 'compact' in r ? r.compact : r.cache;
      heldBy(c).forEach((k) => tf.keep(k));
      cache = c;
      return r.value;
    });
    const cacheBytes = cache === null ? 0 : heldBy(cache).reduce((n, k) => n + 4 * k.size, 0);
    const take = (): Cache | CompactCache => {
      if (cache === null) throw new Error(`${name}: this linearization has been used (pullback or dispose)`);
      const c: Cache | CompactCache = cache;
      cache = null;
      return c;
    };
    return {
      value,
      pullback: (dy: tf.Tensor) => {
        checkCotangent(x, dy);
        const c = take();
        return tf.tidy(() => pullback(x2, 'pre' in c ? expand(c) : c, dy as tf.Tensor2D));
      },
      dispose: () => {
        if (cache === null) return;
        tf.dispose(heldBy(take()));
      },
      get cacheBytes() {
        return cache === null ? 0 : cacheBytes;
      },
    };
  };

  /** The parameters a time table sums the gradients of, and their indices in `parameters`. */
  const tableNames = ['time.phase', 'time.0.weight', 'time.0.bias', 'time.1.weight'] as const;
  const collected = tableNames.map((n) => parameters.findIndex((p) => p.name === n));
  const timeVariables = [phase, t1W, t1B, t2W, t2B];

  /**
   * The time embedding at M times at once (see {@link TimeTable}): one forward pass on [M, ·] rows
   * (the same ops as M separate ones; each row's e is bit-identical to the one computed alone,
   * tested), and at the end one backward pass for the cotangents de of all pull-backs, stacked
   * DE = [M, h] (de summed per time): ∂W₂ = Uᵀ·DE, dU = (DE·W₂ᵀ) ⊙ U′, ∂b₁ = Σ_rows dU,
   * ∂W₁ = featsᵀ·dU, ∂φ = Σ_rows Σ_halves (dU·W₁ᵀ) ⊙ (cos a, −sin a). Those four gradients are sums
   * over the pull-backs in a different order than adding the pull-backs' own (float32 rounding:
   * tested ≤ 1e-5 relative); every other gradient, dx and the value are those of {@link linearize}
   * bit for bit (∂b₂ = de is the input bias's gradient, which the pull-back still returns).
   */
  const timeTable = (times: readonly number[]): TimeTable => {
    if (!Array.isArray(times) || times.length < 1 || times.some((t) => typeof t !== 'number' || !Number.isFinite(t))) {
      throw new RangeError(`${name}: timeTable needs a non-empty array of finite times, got [${String(times)}]`);
    }
    const m = times.length;
    const made = timeVariables.map((v) => v.dataId);
    const table = tf.tidy(() => {
      const a = tf.add(tf.mul(tf.reshape(tf.tensor1d([...times], 'float32'), [m, 1]), coeff), phase); // [M, h]
      const sinA = tf.sin(a) as tf.Tensor2D;
      const cosA = tf.cos(a) as tf.Tensor2D;
      const feats = tf.concat([sinA, cosA], 1) as tf.Tensor2D; // [M, 2h]
      const u = gateWithDerivative(affine(asRows(feats), t1W, t1B), slope); // [1, M, h]
      const e = tf.unstack(tf.reshape(affine(u.value, t2W, t2B), [m, hidden])); // M × [h]
      const kept = { sinA, cosA, feats, u: u.value, du: u.derivative, e };
      [sinA, cosA, feats, u.value, u.derivative, ...e].forEach((k) => tf.keep(k));
      return kept;
    });
    const held = (): tf.Tensor[] => [table.sinA, table.cosA, table.feats, table.u, table.du, ...table.e, ...pending.flat(), ...pendingBlocks.map((b) => b.de)];
    /** The cotangents de ([1, h]) handed back by the pull-backs, per time. */
    const pending: tf.Tensor[][] = times.map(() => []);
    let open = true;
    const check = (what: string): void => {
      if (!open) throw new Error(`${name}: this time table has been used (gradients or dispose)`);
      if (timeVariables.some((v, k) => v.dataId !== made[k])) throw new Error(`${name}: the weights changed since this time table was made (${what}): make a new one`);
    };
    const rows = times.map((_, k): TableRow => ({ e: table.e[k] as tf.Tensor, blocks: 1, add: (de) => (pending[k] as tf.Tensor[]).push(tf.keep(de)) }));
    /** The cotangents of `linearizeBlocks` pull-backs: [K, h] each, block k at times[indices[k]]. */
    const pendingBlocks: { readonly indices: readonly number[]; readonly de: tf.Tensor }[] = [];
    const indexOf = (t: number): number => {
      const k = times.indexOf(t);
      if (k < 0) throw new RangeError(`${name}: t = ${t} is not one of this time table's ${m} times`);
      return k;
    };
    return {
      times: [...times],
      collected,
      linearize: (x, t, options = {}) => {
        check('linearize');
        return linearizeAt(x, t, options, rows[indexOf(t)]);
      },
      // full: each gated layer's input and gate derivative; compact: its pre-activation (see LinearizeOptions)
      cacheBytesPerRow: (options = {}) => (options.compact === true ? 1 : 2) * (layers + 1) * hidden * 4,
      linearizeBlocks: (x, blockTimes, options = {}) => {
        check('linearizeBlocks');
        checkX(x);
        const k = Array.isArray(blockTimes) ? blockTimes.length : 0;
        if (k < 1) throw new RangeError(`${name}: linearizeBlocks needs a non-empty array of block times, got [${String(blockTimes)}]`);
        const rowsIn = x.shape[0] as number;
        if (rowsIn % k !== 0) throw new RangeError(`${name}: linearizeBlocks: x's ${rowsIn} rows do not split into ${k} equal blocks`);
        const indices = blockTimes.map(indexOf);
        if (k === 1) return linearizeAt(x, blockTimes[0] as number, options, rows[indices[0] as number]);
        const e = tf.tidy(() => tf.reshape(tf.stack(indices.map((i) => table.e[i] as tf.Tensor)), [k, 1, hidden]));
        const row: TableRow = { e, blocks: k, add: (de) => pendingBlocks.push({ indices, de: tf.keep(de) }) };
        try {
          return linearizeAt(x, blockTimes[0] as number, options, row);
        } finally {
          e.dispose(); // the forward pass has read it; the pull-back does not
        }
      },
      gradients: () => {
        check('gradients');
        open = false;
        try {
          return tf.tidy(() => {
            const zero = tf.zeros([1, hidden]);
            const perTime = tf.concat(pending.map((list) => (list.length === 0 ? zero : list.length === 1 ? (list[0] as tf.Tensor) : tf.addN(list))), 0); // [M, h]
            // each block pull-back's [K, h] placed at its times' rows: Pᵀ·DE_blocks with P [K, M] one-hot (exact)
            const placed = pendingBlocks.map(({ indices, de }) => {
              const onehot = new Float32Array(indices.length * m);
              indices.forEach((i, k) => {
                onehot[k * m + i] = 1;
              });
              return tf.matMul(tf.tensor2d(onehot, [indices.length, m]), de, true, false);
            });
            const de = (placed.length === 0 ? perTime : tf.addN([perTime, ...placed])) as tf.Tensor2D; // [M, h]
            const u = tf.reshape(table.u, [m, hidden]) as tf.Tensor2D;
            const du = tf.reshape(table.du, [m, hidden]) as tf.Tensor2D;
            const onesRow = tf.ones([1, m]) as tf.Tensor2D;
            const dT2W = tf.matMul(tf.transpose(u), de);
            const du1 = tf.mul(tf.matMul(de, W(t2W), false, true), du) as tf.Tensor2D; // [M, h]
            const dT1B = tf.reshape(tf.matMul(onesRow, du1), [hidden]);
            const dT1W = tf.matMul(tf.transpose(table.feats), du1);
            const dFeats = tf.matMul(du1, W(t1W), false, true); // [M, 2h]
            const dPhase = tf.matMul(tf.ones([1, 2]), tf.reshape(tf.matMul(onesRow, tf.mul(dFeats, tf.concat([table.cosA, tf.neg(table.sinA)], 1))), [2, hidden]));
            const byName: Record<(typeof tableNames)[number], tf.Tensor> = { 'time.phase': dPhase, 'time.0.weight': dT1W, 'time.0.bias': dT1B, 'time.1.weight': dT2W };
            return tableNames.map((n) => byName[n]);
          });
        } finally {
          tf.dispose(held());
        }
      },
      dispose: () => {
        if (!open) return;
        open = false;
        tf.dispose(held());
      },
    };
  };

  const field = {
    name,
    apply,
    parameters,
    parameterCount: parameters.reduce((n, p) => n + p.variable.size, 0),
    dispose: () => {
      tf.dispose([...transposed, ...folded, ...rowWeights.values()].map((e) => e.value));
      tf.dispose(parameters.map((p) => p.variable));
      coeff.dispose();
    },
  };
  // The pull-backs are this object's own: registered by identity (what `vjp`/`linearize` of vjp.ts
  // dispatch on) and non-enumerable, so a spread copy `{ ...mlp, apply: … }` carries neither.
  Object.defineProperties(field, {
    vjp: { value: vjp, enumerable: false },
    linearize: { value: linearize, enumerable: false },
    timeTable: { value: timeTable, enumerable: false },
  });
  return registerPullbacks(field as unknown as FourierMlp, { vjp, linearize, timeTable });
}
