import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { hasVjp, sumFields, unet, vectorField, variablesOf, vjp, type UNetField, type VectorField } from './index.js';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { vpBeta, vpSchedule, vpSde, type VpSchedule } from '@diffflow/sde-core';

/** DiffFlow started at its diffusion-model end: the VP drift plus a learned residual (the images experiment's drift). */
const vpResidualDrift = (s: VpSchedule, residual: VectorField, name?: string): VectorField => sumFields([vpSde(s).drift, residual], name);

const schedule = vpSchedule({ betaMin: 0.5, betaMax: 4 });
const made: VectorField[] = [];
/** A 4×4×1 U-Net (one level, ≈ 1k parameters); `zero: false` gives it a non-zero output at initialisation. */
const net = (zero = false): UNetField => {
  const f = unet({ height: 4, channels: 1, baseChannels: 4, channelMults: [1], resBlocks: 1, attentionResolutions: [], middleAttention: false, groups: 2, resample: 'pool', timeScale: 1000, zeroInitOutput: zero, seed: 3, name: 'residual' });
  made.push(f);
  return f;
};
afterEach(() => made.splice(0).forEach((f) => f.dispose()));

const input = (): { x: tf.Tensor4D; dy: tf.Tensor4D } =>
  tf.tidy(() => ({
    x: tf.reshape(tf.sin(tf.range(0, 32)), [2, 4, 4, 1]) as tf.Tensor4D,
    dy: tf.reshape(tf.cos(tf.mul(tf.range(0, 32), 0.7)), [2, 4, 4, 1]) as tf.Tensor4D,
  }));

describe('sumFields([vpSde().drift, U-Net]): a VP drift plus a learned residual', () => {
  it('is −½β(t)x + f_θ(x, t), for a shared time and one time per row, without leaks', () => {
    const residual = net();
    const drift = vpResidualDrift(schedule, residual, 'drift');
    expect(drift.name).toBe('drift');
    const { x, dy } = input();
    const times = [0.25, 0.9];
    const t = tf.tensor1d(times);
    for (const time of [0.25, t] as const) {
      const got = expectNoLeaks(() => take(drift.apply(x, time)));
      const want = tf.tidy(() => tf.add(vpSde(schedule).drift.apply(x, time), residual.apply(x, time)));
      expect(relativeError(got, take(want))).toBeLessThan(1e-6);
    }
    // the VP part alone, row by row: f − f_θ = −½β(t_b) x_b (float32 sums: 1e-5 relative)
    const vpPart = take(tf.tidy(() => tf.sub(drift.apply(x, t), residual.apply(x, t))));
    const xs = Array.from(x.dataSync());
    const want = xs.map((v, i) => -0.5 * vpBeta(schedule, times[Math.floor(i / 16)] as number) * v);
    expect(relativeError(vpPart, want)).toBeLessThan(1e-5);
    tf.dispose([x, dy, t]);
  });

  it('has exactly the residual network’s parameters; dispose frees them', () => {
    const residual = net();
    const drift = vpResidualDrift(schedule, residual);
    drift.parameters.forEach((p, k) => expect(p).toBe(residual.parameters[k])); // the same Parameter objects
    expect(drift.parameters).toHaveLength(residual.parameters.length);
    expect(drift.parameterCount).toBe(residual.parameterCount);
    expect(variablesOf(drift)).toEqual(variablesOf(residual));
    drift.dispose();
    expect(residual.parameters.every((p) => p.variable.isDisposed)).toBe(true);
    made.pop();
  });

  it('with a zero-initialised residual is the VP drift exactly', () => {
    const drift = vpResidualDrift(schedule, net(true));
    const { x, dy } = input();
    const got = expectNoLeaks(() => take(drift.apply(x, 0.4)));
    // exactly equal (−0 + 0 = +0 is the only difference adding a zero output can make)
    expect(got).toEqual(take(vpSde(schedule).drift.apply(x, 0.4)).map((v) => v + 0));
    tf.dispose([x, dy]);
  });

  it('vjp (tfjs autodiff through the sum) = the residual’s vjp − ½β(t)·dy in x, the same in θ, without leaks', () => {
    const residual = net();
    const drift = vpResidualDrift(schedule, residual);
    expect(hasVjp(drift)).toBe(false); // the U-Net has no pull-back of its own
    const { x, dy } = input();
    const t = 0.6;
    const slope = -0.5 * vpBeta(schedule, t);
    const pull = (field: VectorField) =>
      expectNoLeaks(() => {
        const r = vjp(field, x, t, dy);
        return { value: take(r.value), dx: take(r.dx), dparams: r.dparams.map(take) };
      });
    const sum = pull(drift);
    const part = pull(residual);
    const dyValues = Array.from(dy.dataSync());
    const xValues = Array.from(x.dataSync());
    expect(relativeError(sum.value, part.value.map((v, i) => v + slope * (xValues[i] as number)))).toBeLessThan(1e-6);
    expect(relativeError(sum.dx, part.dx.map((v, i) => v + slope * (dyValues[i] as number)))).toBeLessThan(1e-5);
    expect(sum.dparams).toHaveLength(residual.parameters.length);
    sum.dparams.forEach((g, k) => expect(relativeError(g, part.dparams[k]!)).toBeLessThan(1e-6));
    tf.dispose([x, dy]);
  });

  it("passes the residual's own pull-back through, equal to autodiff of the sum", () => {
    const plain = net();
    // the same network with a pull-back of its own (a stand-in: autodiff of the plain one)
    const withVjp = vectorField({ name: plain.name, apply: plain.apply, parameters: plain.parameters, vjp: (x, t, dy) => vjp(plain, x, t, dy) });
    const custom = vpResidualDrift(schedule, withVjp);
    expect(hasVjp(custom)).toBe(true);
    const auto = vpResidualDrift(schedule, plain);
    const { x, dy } = input();
    const pull = (field: VectorField) =>
      expectNoLeaks(() => {
        const r = vjp(field, x, 0.3, dy);
        return { value: take(r.value), dx: take(r.dx), dparams: r.dparams.map(take) };
      });
    const a = pull(auto);
    const c = pull(custom);
    expect(relativeError(c.value, a.value)).toBeLessThan(1e-6);
    expect(relativeError(c.dx, a.dx)).toBeLessThan(1e-6);
    c.dparams.forEach((g, k) => expect(relativeError(g, a.dparams[k]!)).toBeLessThan(1e-6));
    tf.dispose([x, dy]);
  });
});
