import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, take } from '@diffflow/test-utils';
import { activation, flushedSigmoid, gateScale, gateValue, gateWithDerivative, GATE_FLUSH } from './activation.js';
import { fourierMlp } from './fourier_mlp.js';

/** Nonzero values below 2⁻¹⁰⁰ ≈ 7.9e-31: products of these with a gradient-sized factor underflow. */
const tinyCount = (values: ArrayLike<number>): number => Array.from(values).filter((v) => v !== 0 && Math.abs(v) < 2 ** -100).length;

describe('flushedSigmoid', () => {
  it('is σ bit for bit where σ ≥ 2⁻¹⁵, within ε = 2⁻⁴⁰ of it everywhere, and exactly 0 where σ < ε, without leaks', () => {
    const zs = [30, 5, 1, 0, -1, -5, -10, -10.4, -12, -20, -27, -27.7, -28, -40, -60, -80, -87, -87.3, -90, -200];
    const z = tf.tensor1d(zs);
    const ours = expectNoLeaks(() => take(flushedSigmoid(z)));
    const plain = take(tf.sigmoid(z));
    zs.forEach((zk, k) => {
      const s = plain[k] as number;
      const f = ours[k] as number;
      if (s >= 2 ** -15) expect(f, `z = ${zk}`).toBe(s);
      expect(Math.abs(f - s), `z = ${zk}`).toBeLessThanOrEqual(GATE_FLUSH);
      if (s < GATE_FLUSH) expect(f, `z = ${zk}`).toBe(0);
    });
    expect(ours[zs.indexOf(-28)]).toBe(0); // σ(−28) ≈ 6.9e-13 < ε
    expect(ours[zs.indexOf(-27)]).toBeGreaterThan(0); // σ(−27) ≈ 1.9e-12 > ε
    z.dispose();
  });
});

describe('gates with the flushed sigmoid', () => {
  for (const name of ['gelu', 'silu'] as const) {
    const a = gateScale(name);
    it(`${name}: value and derivative within 3e-11 of x·σ(ax) and its derivative, exact zeros for dead units, the same in all three forms`, () => {
      const xs = [3, 0.5, -0.5, -2, -6, -12, -15, -20, -30, -45, -51, -60, -100];
      const x = tf.tensor1d(xs);
      const { value, derivative } = expectNoLeaks(() => {
        const g = gateWithDerivative(x, a);
        return { value: take(g.value), derivative: take(g.derivative) };
      });
      const plainValue = xs.map((v) => v / (1 + Math.exp(-a * v)));
      const plainDerivative = xs.map((v) => {
        const s = 1 / (1 + Math.exp(-a * v));
        return s * (1 + a * v * (1 - s));
      });
      xs.forEach((v, k) => {
        // the flush's ≤ (1 + |ax|)·ε plus float32 rounding (1e-6 relative: the derivative's 1 + ax(1 − σ) cancels)
        expect(Math.abs((value[k] as number) - (plainValue[k] as number)), `value at ${v}`).toBeLessThan(3e-11 + 1e-6 * Math.abs(plainValue[k] as number));
        expect(Math.abs((derivative[k] as number) - (plainDerivative[k] as number)), `derivative at ${v}`).toBeLessThan(3e-11 + 1e-6 * Math.abs(plainDerivative[k] as number));
        if (a * v < -28) {
          expect(value[k] === 0, `value at ${v}: ${value[k]}`).toBe(true);
          expect(derivative[k] === 0, `derivative at ${v}: ${derivative[k]}`).toBe(true);
        }
      });
      // the tape-free value and the autodiff gate (value and gradient) compute the same numbers
      expect(take(gateValue(x, a))).toEqual(value);
      const auto = tf.valueAndGrad((u: tf.Tensor) => tf.sum(activation(name)(u)))(x);
      expect(take(auto.grad)).toEqual(derivative);
      tf.dispose([x, auto.value]);
    });
  }
});

describe('fourierMlp with dead units', () => {
  it('produces no tiny nonzero values (< 2⁻¹⁰⁰) in its value, dx or any parameter gradient when hidden units sit at pre-activations near −40', () => {
    const f = fourierMlp({ dim: 2, hidden: 16, layers: 2, seed: 3 });
    // push every unit of the first hidden layer deep below zero: pre-activations ≈ −40 ± 1, gate ≈ e^(−68)
    const bias = f.parameters.find((p) => p.name === 'hidden.0.bias')!.variable;
    bias.assign(tf.fill([16], -40));
    const x = tf.randomNormal([64, 2], 0, 1, 'float32', 5);
    const dy = tf.mul(tf.randomNormal([64, 2], 0, 1, 'float32', 6), 1e-4);
    const r = f.vjp(x, 0.02, dy);
    expect(tinyCount(take(r.value))).toBe(0);
    expect(tinyCount(take(r.dx))).toBe(0);
    const grads = r.dparams.map(take);
    grads.forEach((g, k) => expect(tinyCount(g), f.parameters[k]!.name).toBe(0));
    // the dead layer passes nothing on: its weight gradient is exactly zero
    const k = f.parameters.findIndex((p) => p.name === 'hidden.0.weight');
    expect(Math.max(...grads[k]!.map(Math.abs))).toBe(0);
    tf.dispose([x, dy]);
    f.dispose();
  });
});
