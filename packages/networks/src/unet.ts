import * as tf from '@tensorflow/tfjs-core';
import { replayableUniforms, requireBackend } from '@diffflow/sde-core';
import { activation } from './activation.js';
import { selfAttention, type AttentionWeights } from './attention.js';
import { conv2dSame } from './conv.js';
import { dense } from './dense.js';
import { groupNorm } from './group_norm.js';
import { normSiluConv } from './norm_silu_conv.js';
import { pointwise } from './pointwise.js';
import { avgPool2x, upsampleNearest2x } from './resample.js';
import { sinusoidalEmbedding } from './time_embedding.js';
import type { Parameter, VectorField } from './vector_field.js';

// ---------------------------------------------------------------------------------------------
// options and presets
// ---------------------------------------------------------------------------------------------

/** How the U-Net changes resolution between levels. */
export const unetResampleNames = ['conv', 'pool'] as const;
/** One of {@link unetResampleNames}: strided convolutions or pooling/nearest upsampling. */
export type UNetResample = (typeof unetResampleNames)[number];

/** The architecture of a {@link unet}, without the data shape (what the presets fix). */
export interface UNetArchitecture {
  /** Channels of the first level, `ch` in DDPM (paper half network: 64). */
  readonly baseChannels?: number;
  /** Channels of level i = baseChannels · channelMults[i]; one level per entry (paper: [1, 2, 2, 2]). */
  readonly channelMults?: readonly number[];
  /** Residual blocks per level on the way down; the way up has one more (paper: 2). */
  readonly resBlocks?: number;
  /** Feature-map heights at which a self-attention block follows each residual block (paper: [16]). */
  readonly attentionResolutions?: readonly number[];
  /** Self-attention between the two middle residual blocks (DDPM: always). */
  readonly middleAttention?: boolean;
  /** Group-norm groups; must divide every normalised channel count (DDPM: 32). */
  readonly groups?: number;
  /** 'conv': stride-2 3×3 conv down, nearest ×2 + 3×3 conv up (DDPM); 'pool': 2×2 average / nearest, no parameters. */
  readonly resample?: UNetResample;
  /** s in the time embedding sin(s t ω_k): DiffFlow's t lies in [0, T ≈ 0.05–0.1] (default 1000). */
  readonly timeScale?: number;
  /** Start the last convolution at zero, so the field is exactly 0 at initialisation (default true). */
  readonly zeroInitOutput?: boolean;
}

/** Options of {@link unet}. */
export interface UNetOptions extends UNetArchitecture {
  /** Image height H (inputs and outputs are [B, H, W, C]); divisible by 2^(levels − 1). */
  readonly height: number;
  /** Image width W (default H); divisible by 2^(levels − 1). */
  readonly width?: number;
  /** Image channels C (1 for MNIST, 3 for CIFAR-10). */
  readonly channels: number;
  /** Seed of the initial weights. */
  readonly seed?: number;
  /** Name of the field ('drift', 'score', …); prefixes the tfjs variable names and the init keys. */
  readonly name?: string;
}

/** Every option resolved to its value. */
export type ResolvedUNetOptions = Required<Omit<UNetOptions, 'attentionResolutions' | 'channelMults'>> & {
  readonly attentionResolutions: readonly number[];
  readonly channelMults: readonly number[];
};

/**
 * Named architectures; combine with the data shape: `unet({ ...unetPresets.cpu, height: 32, channels: 1 })`.
 * - `cpu`: small enough to train on a 2-core CPU (wasm) on 32×32 MNIST (ch 16, mults [1, 2, 2],
 *   1 residual block, attention only in the middle at 8×8, 8 groups): 267,313 parameters on 32×32×1.
 * - `paper`: the DDPM U-Net reduced to half width as the DiffFlow paper (ch 64, mults [1, 2, 2, 2],
 *   2 residual blocks, attention at 16×16, 32 groups): 8,952,067 parameters on 32×32×3 (the fact
 *   sheet's DDPM ch = 64 count), 8,949,761 on 32×32×1.
 */
export const unetPresets = {
  cpu: {
    baseChannels: 16,
    channelMults: [1, 2, 2],
    resBlocks: 1,
    attentionResolutions: [],
    middleAttention: true,
    groups: 8,
    resample: 'conv',
  },
  paper: {
    baseChannels: 64,
    channelMults: [1, 2, 2, 2],
    resBlocks: 2,
    attentionResolutions: [16],
    middleAttention: true,
    groups: 32,
    resample: 'conv',
  },
} as const satisfies Record<string, UNetArchitecture>;

/** A U-Net as a vector field, with its resolved options and a printable summary. */
export interface UNetField extends VectorField {
  readonly options: ResolvedUNetOptions;
  /** One line per block (resolution, channels, parameters) and the total. */
  describe(): string;
}

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const isPositiveInteger = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1;

function resolve(options: UNetOptions): ResolvedUNetOptions {
  const o: ResolvedUNetOptions = {
    height: options.height,
    width: options.width ?? options.height,
    channels: options.channels,
    baseChannels: options.baseChannels ?? 64,
    channelMults: options.channelMults ?? [1, 2, 2, 2],
    resBlocks: options.resBlocks ?? 2,
    attentionResolutions: options.attentionResolutions ?? [16],
    middleAttention: options.middleAttention ?? true,
    groups: options.groups ?? 32,
    resample: options.resample ?? 'conv',
    timeScale: options.timeScale ?? 1000,
    zeroInitOutput: options.zeroInitOutput ?? true,
    seed: options.seed ?? 0,
    name: options.name ?? 'unet',
  };
  const fail = (what: string): never => {
    throw new RangeError(`unet: ${what}`);
  };
  if (!isPositiveInteger(o.channels)) fail(`channels must be an integer ≥ 1, got ${o.channels}`);
  if (!isPositiveInteger(o.baseChannels) || o.baseChannels < 4 || o.baseChannels % 2 !== 0) {
    fail(`baseChannels must be an even integer ≥ 4, got ${o.baseChannels}`);
  }
  if (o.channelMults.length === 0 || !o.channelMults.every(isPositiveInteger)) {
    fail(`channelMults must be a non-empty list of integers ≥ 1, got [${o.channelMults.join(', ')}]`);
  }
  if (!isPositiveInteger(o.resBlocks)) fail(`resBlocks must be an integer ≥ 1, got ${o.resBlocks}`);
  if (!isPositiveInteger(o.groups)) fail(`groups must be an integer ≥ 1, got ${o.groups}`);
  if (!unetResampleNames.includes(o.resample)) fail(`resample must be one of ${unetResampleNames.join(', ')}, got ${o.resample}`);
  if (!(Number.isFinite(o.timeScale) && o.timeScale > 0)) fail(`timeScale must be a finite number > 0, got ${o.timeScale}`);
  if (!o.attentionResolutions.every(isPositiveInteger)) fail(`attentionResolutions must be integers ≥ 1, got [${o.attentionResolutions.join(', ')}]`);
  const factor = 2 ** (o.channelMults.length - 1);
  for (const [axis, size] of [['height', o.height], ['width', o.width]] as const) {
    if (!isPositiveInteger(size) || size % factor !== 0) {
      fail(`${axis} must be an integer ≥ 1 divisible by 2^(levels − 1) = ${factor} for ${o.channelMults.length} levels, got ${size}`);
    }
  }
  return o;
}

const count = (n: number): string => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------
// model
// ---------------------------------------------------------------------------------------------

let instances = 0;

interface Context {
  /** SiLU of the time embedding, [1, 4ch] for a shared time or [B, 4ch]. */
  readonly temb: tf.Tensor2D;
  readonly shared: boolean;
}
/** A stage of the network on channel blocks (one tensor, or the up path's [h, skip]). */
type Block = (xs: readonly tf.Tensor4D[], ctx: Context) => tf.Tensor4D;

/**
 * Time-conditioned U-Net (DDPM's architecture, Ho et al. 2020), the DiffFlow drift/score network for
 * images, as a {@link VectorField} on x [B, H, W, C] (NHWC):
 *   e = W₂ SiLU(W₁ sin/cos(s t ω) + b₁) + b₂                      (time embedding, width 4·ch)
 *   h = conv_in(x);  down: [ResBlock (+ Attn)] × resBlocks, then downsample, per level;
 *   middle: ResBlock, Attn, ResBlock;  up: [ResBlock([h | skip]) (+ Attn)] × (resBlocks + 1), then
 *   upsample, per level;  out = conv_out(SiLU(GN(h))).
 *   ResBlock(h) = skip(h) + conv₂(SiLU(GN(conv₁(SiLU(GN(h))) + W_e SiLU(e) + b_e))),
 *   skip = identity, or a 1×1 projection when the channel count changes.
 * No dropout (DDPM used 0.1 on CIFAR-10), so the field is a deterministic function of (x, t, θ).
 * Built for the wasm backend: GN → SiLU → conv is one op with a written-out gradient
 * (norm_silu_conv.ts), and the skip concatenation [h | skip] is never materialised: GN takes its
 * statistics over both blocks and the convolution splits by input channels (the same maths).
 *
 * Initialisation: DDPM's fan-average uniform (Glorot) for every convolution and dense layer, biases
 * 0, group-norm γ = 1, β = 0, all drawn from sde-core's replayable keys (seed, `init/<name>`, k, 0),
 * k the parameter's index. With `zeroInitOutput` (default) conv_out starts at 0, so the field is
 * exactly 0 at initialisation: a drift that starts as pure diffusion and a score that starts
 * neutral. Its gradient is still non-zero, and one optimiser step brings every other parameter's.
 */
export function unet(options: UNetOptions): UNetField {
  const o = resolve(options);
  const { channels, baseChannels: ch, channelMults, resBlocks, groups, seed, name } = o;
  const act = activation('silu');
  const norm = groupNorm(groups);
  const normAct = normSiluConv(groups);
  requireBackend('unet');
  const uid = `${name}#u${++instances}`;
  const parameters: Parameter[] = [];
  const rows: { path: string; size: string; shape: string; params: number }[] = [];
  const aspect = o.width / o.height;

  // -- parameters ---------------------------------------------------------------------------
  const add = (pname: string, shape: number[], values: Float32Array): tf.Variable => {
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, true, `${uid}/${pname}`);
    initial.dispose(); // tf.variable shares the data but counts the initial tensor apart
    parameters.push({ name: pname, variable });
    return variable;
  };
  const constant = (pname: string, shape: number[], value: number): tf.Variable =>
    add(pname, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));
  /** DDPM's default_init: variance scaling, fan_avg, uniform: U(±√(6 / (fan_in + fan_out))). */
  const glorot = (pname: string, shape: number[], fanIn: number, fanOut: number): tf.Variable => {
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    const size = shape.reduce((a, b) => a * b, 1);
    const key = { seed, purpose: `init/${name}`, iteration: parameters.length, step: 0 };
    const uniforms = replayableUniforms(size, key);
    const values = new Float32Array(size); // a plain loop: Float32Array.from with a map takes ~1 µs per entry
    for (let i = 0; i < size; i++) values[i] = (2 * (uniforms[i] as number) - 1) * bound;
    return add(pname, shape, values);
  };
  const denseParams = (pname: string, fanIn: number, fanOut: number): [tf.Tensor2D, tf.Tensor1D] => [
    glorot(`${pname}.weight`, [fanIn, fanOut], fanIn, fanOut) as tf.Tensor2D,
    constant(`${pname}.bias`, [fanOut], 0) as tf.Tensor1D,
  ];
  const convParams = (pname: string, cin: number, cout: number, zero = false): [tf.Tensor4D, tf.Tensor1D] => [
    (zero
      ? constant(`${pname}.weight`, [3, 3, cin, cout], 0)
      : glorot(`${pname}.weight`, [3, 3, cin, cout], 9 * cin, 9 * cout)) as tf.Tensor4D,
    constant(`${pname}.bias`, [cout], 0) as tf.Tensor1D,
  ];
  const normParams = (pname: string, c: number, where: string): [tf.Tensor1D, tf.Tensor1D] => {
    if (c % groups !== 0) {
      throw new RangeError(`unet: groups ${groups} must divide every normalised channel count; ${where} has ${c} channels`);
    }
    return [constant(`${pname}.gamma`, [c], 1) as tf.Tensor1D, constant(`${pname}.beta`, [c], 0) as tf.Tensor1D];
  };
  /** Runs `build`, recording the parameters it created as one row of the summary. */
  const module = <T>(path: string, size: number | undefined, shape: string, build: () => T): T => {
    const before = parameters.length;
    const out = build();
    const params = parameters.slice(before).reduce((n, p) => n + p.variable.size, 0);
    rows.push({ path, size: size === undefined ? '' : `${size}×${size * aspect}`, shape, params });
    return out;
  };

  // -- building blocks ----------------------------------------------------------------------
  /** The rows of a [3, 3, ΣC_k, Co] filter (or [ΣC_k, Co] matrix) that meet each channel block. */
  const byBlock = <T extends tf.Tensor>(w: T, sizes: readonly number[]): T[] => {
    if (sizes.length === 1) return [w];
    const axis = w.rank - 2;
    let offset = 0;
    return sizes.map((size) => {
      const begin = w.shape.map((_, i) => (i === axis ? offset : 0));
      const extent = w.shape.map((d, i) => (i === axis ? size : d));
      offset += size;
      return tf.slice(w, begin, extent) as T;
    });
  };
  /** DDPM's ResnetBlock over channel blocks (the up path's [h, skip] stays unconcatenated). */
  const resBlock = (path: string, sizes: readonly number[], cout: number): Block => {
    const cin = sizes.reduce((a, b) => a + b, 0);
    const [g1, b1] = normParams(`${path}.norm1`, cin, path);
    const [w1, c1] = convParams(`${path}.conv1`, cin, cout);
    const [we, be] = denseParams(`${path}.time`, 4 * ch, cout);
    const [g2, b2] = normParams(`${path}.norm2`, cout, path);
    const [w2, c2] = convParams(`${path}.conv2`, cout, cout);
    const shortcut = sizes.length === 1 && cin === cout ? undefined : denseParams(`${path}.shortcut`, cin, cout);
    return (xs, { temb, shared }) => {
      const [b, hh, ww] = (xs[0] as tf.Tensor4D).shape;
      const e = dense(temb, we, be); // [1 or B, Co]
      const bias1 = shared ? (tf.add(c1, tf.reshape(e, [cout])) as tf.Tensor1D) : (tf.add(c1, e) as tf.Tensor2D);
      const h = normAct(xs, g1, b1, byBlock(w1, sizes), bias1);
      const out = normAct([h], g2, b2, [w2], c2);
      const skip =
        shortcut === undefined
          ? (xs[0] as tf.Tensor4D)
          : tf.reshape(
              pointwise(
                xs.map((x) => tf.reshape(x, [-1, x.shape[3]]) as tf.Tensor2D),
                byBlock(shortcut[0], sizes),
                shortcut[1],
              ),
              [b, hh, ww, cout],
            );
      return tf.add(skip, out);
    };
  };
  const attnBlock = (path: string, c: number): ((x: tf.Tensor4D) => tf.Tensor4D) => {
    const [gamma, beta] = normParams(`${path}.norm`, c, path);
    const p: AttentionWeights = {
      gamma,
      beta,
      q: denseParams(`${path}.q`, c, c),
      k: denseParams(`${path}.k`, c, c),
      v: denseParams(`${path}.v`, c, c),
      out: denseParams(`${path}.out`, c, c),
    };
    return (x) => selfAttention(x, p, norm);
  };
  /** A residual block, followed by self-attention at the chosen resolutions. */
  const stage = (path: string, sizes: readonly number[], cout: number, withAttn: boolean): Block => {
    const res = resBlock(path, sizes, cout);
    if (!withAttn) return res;
    const attn = attnBlock(`${path}.attn`, cout);
    return (xs, ctx) => attn(res(xs, ctx));
  };
  const downsample = (path: string, c: number): Block => {
    if (o.resample === 'pool') return ([x]) => avgPool2x(x as tf.Tensor4D);
    const [w, b] = convParams(`${path}.conv`, c, c);
    return ([x]) => conv2dSame(x as tf.Tensor4D, w, b, 2);
  };
  const upsample = (path: string, c: number): Block => {
    if (o.resample === 'pool') return ([x]) => upsampleNearest2x(x as tf.Tensor4D);
    const [w, b] = convParams(`${path}.conv`, c, c);
    return ([x]) => conv2dSame(upsampleNearest2x(x as tf.Tensor4D), w, b, 1);
  };

  // -- the network ----------------------------------------------------------------------------
  // A failed check (groups not dividing a block's channels) must not leave variables behind.
  const build = () => {
    const [t1W, t1B, t2W, t2B] = module('time', undefined, `${ch} → ${4 * ch} → ${4 * ch}`, () => [
      ...denseParams('time.0', ch, 4 * ch),
      ...denseParams('time.1', 4 * ch, 4 * ch),
    ]);
    const [inW, inB] = module('conv_in', o.height, `${channels} → ${ch}`, () => convParams('conv_in', channels, ch));

    const down: Block[] = [];
    const up: { readonly withSkip: boolean; readonly block: Block }[] = [];
    const skipChannels = [ch];
    const attends = (size: number): boolean => o.attentionResolutions.includes(size);
    const attnNote = (on: boolean): string => (on ? ' + attention' : '');
    let c = ch;
    let size = o.height;
    channelMults.forEach((mult, level) => {
      const cout = ch * mult;
      for (let k = 0; k < resBlocks; k++) {
        const path = `down.${level}.${k}`;
        const cin = c;
        down.push(module(path, size, `${cin} → ${cout}${attnNote(attends(size))}`, () => stage(path, [cin], cout, attends(size))));
        c = cout;
        skipChannels.push(c);
      }
      if (level < channelMults.length - 1) {
        const path = `down.${level}.down`;
        const note = o.resample === 'conv' ? ' (conv, stride 2)' : ' (avg pool)';
        down.push(module(path, size, `${c} → ${c} ↓${note}`, () => downsample(path, c)));
        skipChannels.push(c);
        size /= 2;
      }
    });
    const middle = module('middle', size, `${c} → ${c}${attnNote(o.middleAttention)} → ${c}`, (): Block => {
      const first = resBlock('middle.0', [c], c);
      const attn = o.middleAttention ? attnBlock('middle.attn', c) : undefined;
      const second = resBlock('middle.1', [c], c);
      return (xs, ctx) => {
        const h = first(xs, ctx);
        return second([attn === undefined ? h : attn(h)], ctx);
      };
    });
    for (let level = channelMults.length - 1; level >= 0; level--) {
      const cout = ch * (channelMults[level] as number);
      for (let k = 0; k <= resBlocks; k++) {
        const path = `up.${level}.${k}`;
        const sizes = [c, skipChannels.pop() as number];
        const block = module(path, size, `${sizes[0]} + ${sizes[1]} → ${cout}${attnNote(attends(size))}`, () =>
          stage(path, sizes, cout, attends(size)),
        );
        up.push({ withSkip: true, block });
        c = cout;
      }
      if (level > 0) {
        const path = `up.${level}.up`;
        const note = o.resample === 'conv' ? ' (nearest + conv)' : ' (nearest)';
        up.push({ withSkip: false, block: module(path, size, `${c} → ${c} ↑${note}`, () => upsample(path, c)) });
        size *= 2;
      }
    }
    const [outG, outBeta, outW, outB] = module('conv_out', size, `${c} → ${channels}${o.zeroInitOutput ? ' (zero init)' : ''}`, () => [
      ...normParams('norm_out', c, 'norm_out'),
      ...convParams('conv_out', c, channels, o.zeroInitOutput),
    ]);
    return { time: [t1W, t1B, t2W, t2B] as const, inW, inB, down, middle, up, out: [outG, outBeta, outW, outB] as const };
  };
  let net: ReturnType<typeof build>;
  try {
    net = build();
  } catch (error) {
    tf.dispose(parameters.map((p) => p.variable));
    throw error;
  }
  const { down, middle, up, inW, inB } = net;
  const [t1W, t1B, t2W, t2B] = net.time;
  const [outG, outBeta, outW, outB] = net.out;

  const parameterCount = parameters.reduce((n, p) => n + p.variable.size, 0);
  const expected = `[B, ${o.height}, ${o.width}, ${channels}]`;

  const apply = (x: tf.Tensor, t: number | tf.Tensor1D): tf.Tensor =>
    tf.tidy(() => {
      if (x.rank !== 4 || x.shape[1] !== o.height || x.shape[2] !== o.width || x.shape[3] !== channels) {
        throw new RangeError(`${name}: x must be ${expected}, got [${x.shape.join(', ')}]`);
      }
      if (typeof t === 'number' ? !Number.isFinite(t) : t.rank !== 1 || t.shape[0] !== x.shape[0]) {
        const got = typeof t === 'number' ? String(t) : `[${t.shape.join(', ')}]`;
        throw new RangeError(`${name}: t must be a finite number or [B] = [${x.shape[0]}], got ${got}`);
      }
      const emb = sinusoidalEmbedding(t, ch, o.timeScale);
      const e = dense(act(dense(emb, t1W, t1B)) as tf.Tensor2D, t2W, t2B);
      const ctx: Context = { temb: act(e) as tf.Tensor2D, shared: typeof t === 'number' };

      let h = conv2dSame(x as tf.Tensor4D, inW, inB);
      const skips: tf.Tensor4D[] = [h];
      for (const block of down) {
        h = block([h], ctx);
        skips.push(h);
      }
      h = middle([h], ctx);
      for (const { withSkip, block } of up) h = block(withSkip ? [h, skips.pop() as tf.Tensor4D] : [h], ctx);
      return normAct([h], outG, outBeta, [outW], outB);
    });

  const attentionNote =
    o.attentionResolutions.length > 0
      ? `attention at [${o.attentionResolutions.join(', ')}]${o.middleAttention ? ' + middle' : ''}`
      : o.middleAttention
        ? 'attention in the middle only'
        : 'no attention';
  const describe = (): string => {
    const header =
      `U-Net '${name}': [${o.height}, ${o.width}, ${channels}] → [${o.height}, ${o.width}, ${channels}], ch ${ch}, ` +
      `mults [${channelMults.join(', ')}], ${resBlocks} res block${resBlocks === 1 ? '' : 's'}/level, ` +
      `${attentionNote}, ${groups} groups, ` +
      `resample ${o.resample}, time sin/cos(${o.timeScale}·t) width ${ch} → ${4 * ch}, SiLU`;
    const width = Math.max(...rows.map((r) => r.path.length), 5);
    const shapeWidth = Math.max(...rows.map((r) => r.shape.length));
    const lines = rows.map(
      (r) => `  ${r.path.padEnd(width)}  ${r.size.padStart(7)}  ${r.shape.padEnd(shapeWidth)}  ${count(r.params).padStart(11)}`,
    );
    return [header, ...lines, `  ${'total'.padEnd(width)}  ${''.padStart(7)}  ${''.padEnd(shapeWidth)}  ${count(parameterCount).padStart(11)} parameters`].join('\n');
  };

  return {
    name,
    apply,
    parameters,
    parameterCount,
    options: o,
    describe,
    dispose: () => tf.dispose(parameters.map((p) => p.variable)),
  };
}
