import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { unet, unetPresets, type UNetField, type UNetOptions } from './unet.js';
import { variablesOf } from './vector_field.js';
import { vjp } from './vjp.js';

const made: UNetField[] = [];
const make = (o: UNetOptions): UNetField => {
  const f = unet(o);
  made.push(f);
  return f;
};
afterEach(() => made.splice(0).forEach((f) => f.dispose()));

/** A tiny U-Net touching every kind of block: two levels, attention at 4×4, skip projections. */
const tiny: UNetOptions = {
  height: 8,
  channels: 1,
  baseChannels: 8,
  channelMults: [1, 2],
  resBlocks: 1,
  attentionResolutions: [4],
  groups: 4,
};

const randn = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

/**
 * DDPM's parameter count written out independently of the implementation (Ho et al.'s
 * `model`: time MLP, conv_in, ResnetBlocks with a 1×1 shortcut on channel change, AttnBlocks with
 * q, k, v, proj_out, conv resampling, GN + conv_out).
 */
function ddpmCount(c: number, ch: number, mults: number[], nres: number, attnAt: number[], size: number): number {
  const res = (cin: number, cout: number): number =>
    2 * cin + (9 * cin * cout + cout) + (4 * ch * cout + cout) + 2 * cout + (9 * cout * cout + cout) + (cin === cout ? 0 : cin * cout + cout);
  const attn = (k: number): number => 2 * k + 4 * (k * k + k);
  let n = ch * 4 * ch + 4 * ch + 16 * ch * ch + 4 * ch + (9 * c * ch + ch);
  const skips = [ch];
  let cur = ch;
  let s = size;
  mults.forEach((m, level) => {
    for (let k = 0; k < nres; k++) {
      n += res(cur, ch * m) + (attnAt.includes(s) ? attn(ch * m) : 0);
      cur = ch * m;
      skips.push(cur);
    }
    if (level < mults.length - 1) {
      n += 9 * cur * cur + cur;
      skips.push(cur);
      s /= 2;
    }
  });
  n += 2 * res(cur, cur) + attn(cur);
  for (let level = mults.length - 1; level >= 0; level--) {
    for (let k = 0; k <= nres; k++) {
      const cout = ch * (mults[level] as number);
      n += res(cur + (skips.pop() as number), cout) + (attnAt.includes(s) ? attn(cout) : 0);
      cur = cout;
    }
    if (level > 0) {
      n += 9 * cur * cur + cur;
      s *= 2;
    }
  }
  return n + 2 * cur + 9 * cur * c + c;
}

describe('unet', () => {
  it('has the DDPM half-network count of the fact sheet: 8,952,067 for the paper preset on 32×32×3', () => {
    const f = make({ ...unetPresets.paper, height: 32, channels: 3 });
    expect(f.parameterCount).toBe(8_952_067);
    expect(f.parameterCount).toBe(f.parameters.reduce((n, p) => n + p.variable.size, 0));
    expect(f.describe()).toMatch(/total\s+8,952,067 parameters/);
    expect(f.describe()).toMatch(/up\.1\.2\s+16×16\s+128 \+ 64 → 128 \+ attention/);
  });

  it('counts parameters exactly as DDPM for other configurations', () => {
    expect(make({ ...unetPresets.cpu, height: 32, channels: 1 }).parameterCount).toBe(ddpmCount(1, 16, [1, 2, 2], 1, [], 32));
    expect(make({ ...unetPresets.paper, height: 32, channels: 1 }).parameterCount).toBe(ddpmCount(1, 64, [1, 2, 2, 2], 2, [16], 32));
    expect(make(tiny).parameterCount).toBe(ddpmCount(1, 8, [1, 2], 1, [4], 8));
    // parameter-free resampling: the down conv (8 channels) and the up conv (16 channels) disappear
    const pool = make({ ...tiny, resample: 'pool' });
    expect(pool.parameterCount).toBe(ddpmCount(1, 8, [1, 2], 1, [4], 8) - (9 * 8 * 8 + 8) - (9 * 16 * 16 + 16));
  });

  const shapes: [string, Partial<UNetOptions>, number[]][] = [
    ['8×8×1', {}, [3, 8, 8, 1]],
    ['8×8×3, pool resampling, no attention', { channels: 3, resample: 'pool', attentionResolutions: [], middleAttention: false }, [2, 8, 8, 3]],
    ['32×32×1, three levels', { height: 32, channelMults: [1, 2, 2], attentionResolutions: [8] }, [2, 32, 32, 1]],
    ['32×32×3', { height: 32, channels: 3, channelMults: [1, 1, 2] }, [2, 32, 32, 3]],
    ['16×8×3 (non-square)', { height: 16, width: 8, channels: 3 }, [2, 16, 8, 3]],
  ];
  for (const [label, over, shape] of shapes) {
    it(`${label}: maps [B, H, W, C] to itself, for a shared time and one per row (equal), without leaks`, () => {
      const f = make({ ...tiny, ...over, zeroInitOutput: false, seed: 1 });
      const x = randn(shape, 2);
      const t = tf.fill([shape[0] as number], 0.03) as tf.Tensor1D;
      const shared = expectNoLeaks(() => {
        const y = f.apply(x, 0.03);
        expect(y.shape).toEqual(shape);
        return take(y);
      });
      const perRow = expectNoLeaks(() => take(f.apply(x, t)));
      expect(relativeError(shared, perRow)).toBeLessThan(1e-5);
      expect(Math.max(...shared.map(Math.abs))).toBeGreaterThan(0);
      tf.dispose([x, t]);
    });
  }

  it('depends on the time: different t, different output', () => {
    const f = make({ ...tiny, zeroInitOutput: false });
    const x = randn([2, 8, 8, 1], 3);
    expect(relativeError(take(f.apply(x, 0.01)), take(f.apply(x, 0.04)))).toBeGreaterThan(1e-4);
    x.dispose();
  });

  it('starts at exactly 0 with the zero-initialised output convolution (the default)', () => {
    const f = make(tiny);
    const x = randn([2, 8, 8, 1], 4);
    expect(take(f.apply(x, 0.02)).every((v) => v === 0)).toBe(true);
    x.dispose();
  });

  /** Parameters whose gradient is 0 by construction: softmax ignores the key bias (q·b_k shifts a whole row). */
  const alwaysZero = (name: string): boolean => /\.attn\.k\.bias$/.test(name);
  /** Non-zero for every parameter but the key biases, which are rounding noise (< 1e-4 of the largest). */
  const expectAllFlowing = (grads: Map<string, number>): void => {
    const largest = Math.max(...grads.values());
    for (const [name, g] of grads) {
      if (alwaysZero(name)) expect(g, name).toBeLessThan(1e-4 * largest);
      else expect(g, name).toBeGreaterThan(0);
    }
  };

  const gradients = (f: UNetField, x: tf.Tensor, t: number | tf.Tensor1D, dy: tf.Tensor): Map<string, number> => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f.apply(x, t), dy)), variablesOf(f));
    value.dispose();
    const out = new Map(f.parameters.map((p) => [p.name, take(tf.max(tf.abs(grads[p.variable.name]!)))[0]!]));
    tf.dispose(Object.values(grads));
    return out;
  };

  it('gives every parameter a non-zero gradient (output conv not zero-initialised, per-row time)', () => {
    const f = make({ ...tiny, zeroInitOutput: false, seed: 5 });
    const x = randn([2, 8, 8, 1], 6);
    const dy = randn([2, 8, 8, 1], 7);
    const t = tf.tensor1d([0.01, 0.05]);
    expectAllFlowing(gradients(f, x, t, dy));
    tf.dispose([x, dy, t]);
  });

  it('zero-initialised: only conv_out has a gradient at first; after one SGD step every parameter has one', () => {
    const f = make({ ...tiny, seed: 8 });
    const x = randn([2, 8, 8, 1], 9);
    const dy = randn([2, 8, 8, 1], 10);
    for (const [name, g] of gradients(f, x, 0.02, dy)) {
      if (name.startsWith('conv_out.')) expect(g, name).toBeGreaterThan(0);
      else expect(g, name).toBe(0);
    }
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f.apply(x, 0.02), dy)), variablesOf(f));
    for (const p of f.parameters) tf.tidy(() => p.variable.assign(tf.sub(p.variable, tf.mul(grads[p.variable.name]!, 0.1))));
    tf.dispose([value, ...Object.values(grads)]);
    expectAllFlowing(gradients(f, x, 0.02, dy));
    tf.dispose([x, dy]);
  });

  it('works with vjp(): equals autodiff of ⟨dy, v⟩ and central differences along random directions, without leaks', () => {
    const f = make({ ...tiny, zeroInitOutput: false, seed: 11 });
    const x = randn([2, 8, 8, 1], 12);
    const dy = randn([2, 8, 8, 1], 13);
    const t = 0.03;
    const r = expectNoLeaks(() => {
      const out = vjp(f, x, t, dy);
      return { value: take(out.value), dx: take(out.dx), dparams: out.dparams.map(take) };
    });
    expect(relativeError(r.value, take(f.apply(x, t)))).toBeLessThan(1e-6);
    expect(r.dparams.map((d) => d.length)).toEqual(f.parameters.map((p) => p.variable.size));
    const inner = (xx: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f.apply(xx, t), dy));
    expect(relativeError(r.dx, take(tf.grad(inner)(x)))).toBeLessThan(1e-6);

    // ∂/∂x along a direction u:  (L(x + εu) − L(x − εu)) / 2ε  ≈  ⟨dx, u⟩
    const eps = 1e-2;
    const u = randn([2, 8, 8, 1], 14);
    const at = (s: number): number => tf.tidy(() => inner(tf.add(x, tf.mul(u, s))).dataSync()[0]!);
    const fdX = (at(eps) - at(-eps)) / (2 * eps);
    const uv = u.dataSync();
    const exactX = r.dx.reduce((s, v, k) => s + v * uv[k]!, 0);
    expect(Math.abs(fdX - exactX) / Math.abs(exactX)).toBeLessThan(1e-2); // float32, ε = 1e-2

    // ∂/∂θ along a direction: every parameter moved at once
    const dirs = f.parameters.map((p, k) => randn(p.variable.shape, 100 + k));
    const originals = f.parameters.map((p) => tf.clone(p.variable));
    const shifted = (s: number): number => {
      f.parameters.forEach((p, k) => tf.tidy(() => p.variable.assign(tf.add(originals[k]!, tf.mul(dirs[k]!, s)))));
      return tf.tidy(() => inner(x).dataSync()[0]!);
    };
    const fdTheta = (shifted(1e-3) - shifted(-1e-3)) / 2e-3;
    f.parameters.forEach((p, k) => p.variable.assign(originals[k]!));
    const exactTheta = r.dparams.reduce((s, d, k) => {
      const dv = dirs[k]!.dataSync();
      return s + d.reduce((a, v, i) => a + v * dv[i]!, 0);
    }, 0);
    expect(Math.abs(fdTheta - exactTheta) / Math.abs(exactTheta)).toBeLessThan(1e-2);
    tf.dispose([x, dy, u, ...dirs, ...originals]);
  });

  it('is initialised from its seed and name alone', () => {
    const a = make({ ...tiny, zeroInitOutput: false, seed: 3, name: 'score' });
    const b = make({ ...tiny, zeroInitOutput: false, seed: 3, name: 'score' });
    const c = make({ ...tiny, zeroInitOutput: false, seed: 4, name: 'score' });
    const d = make({ ...tiny, zeroInitOutput: false, seed: 3, name: 'drift' });
    const x = randn([2, 8, 8, 1], 15);
    const ya = take(a.apply(x, 0.02));
    expect(take(b.apply(x, 0.02))).toEqual(ya);
    expect(take(c.apply(x, 0.02))).not.toEqual(ya);
    expect(take(d.apply(x, 0.02))).not.toEqual(ya);
    a.parameters.forEach((p, k) => expect(take(tf.clone(p.variable)), p.name).toEqual(take(tf.clone(b.parameters[k]!.variable))));
    expect(a.parameters.map((p) => p.name)).toEqual(c.parameters.map((p) => p.name));
    x.dispose();
  });

  it('frees every tensor it allocated on dispose()', () => {
    const before = tf.memory().numTensors;
    unet(tiny).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad shapes and options with a RangeError naming them', () => {
    const f = make({ ...tiny, name: 'score' });
    for (const shape of [[2, 8, 8], [2, 8, 8, 3], [2, 16, 8, 1], [2, 8, 4, 1]]) {
      const x = tf.zeros(shape);
      expect(() => f.apply(x, 0.1)).toThrow(RangeError);
      expect(() => f.apply(x, 0.1)).toThrow(`score: x must be [B, 8, 8, 1], got [${shape.join(', ')}]`);
      x.dispose();
    }
    const x = tf.zeros([2, 8, 8, 1]);
    const t = tf.zeros([3]) as tf.Tensor1D;
    expect(() => f.apply(x, t)).toThrow(/t must be a finite number or \[B\] = \[2\], got \[3\]/);
    expect(() => f.apply(x, Number.NaN)).toThrow(RangeError);
    tf.dispose([x, t]);
    expect(() => unet({ ...tiny, height: 6, channelMults: [1, 2, 2] })).toThrow(
      /height must be an integer ≥ 1 divisible by 2\^\(levels − 1\) = 4 for 3 levels, got 6/,
    );
    expect(() => unet({ ...tiny, width: 7 })).toThrow(/width must be an integer ≥ 1 divisible by 2\^\(levels − 1\) = 2 for 2 levels, got 7/);
    const before = tf.memory().numTensors;
    expect(() => unet({ ...tiny, groups: 3 })).toThrow(/groups 3 must divide every normalised channel count; down\.0\.0 has 8 channels/);
    expect(() => unet({ ...tiny, groups: 16 })).toThrow(/groups 16 must divide every normalised channel count; down\.0\.0 has 8 channels/);
    expect(tf.memory().numTensors, 'variables of a failed construction are freed').toBe(before);
    expect(() => unet({ ...tiny, channelMults: [] })).toThrow(/channelMults must be a non-empty list/);
    expect(() => unet({ ...tiny, baseChannels: 7 })).toThrow(/baseChannels must be an even integer ≥ 4, got 7/);
    expect(() => unet({ ...tiny, resample: 'bilinear' as 'conv' })).toThrow(/resample must be one of conv, pool, got bilinear/);
  });

  it('describes itself: one line per block, with its resolution, channels and parameters', () => {
    const text = make({ ...unetPresets.cpu, height: 32, channels: 1, name: 'drift' }).describe();
    expect(text.split('\n')[0]).toMatch(/^U-Net 'drift': \[32, 32, 1\] → \[32, 32, 1\], ch 16, mults \[1, 2, 2\]/);
    expect(text).toMatch(/conv_in\s+32×32\s+1 → 16\s+160/);
    expect(text).toMatch(/middle\s+8×8\s+32 → 32 \+ attention → 32/);
    expect(text).toMatch(/conv_out\s+32×32\s+16 → 1 \(zero init\)\s+177/);
    expect(text).toMatch(new RegExp(`total\\s+${ddpmCount(1, 16, [1, 2, 2], 1, [], 32).toLocaleString('en-US')} parameters`));
  });
});
