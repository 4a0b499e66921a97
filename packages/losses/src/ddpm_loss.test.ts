import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { replayableNormals, replayableUniforms, defaultVpSchedule, vpMarginal, vpSchedule } from '@diffflow/sde-core';
import { fourierMlp, variablesOf, type VectorField } from '@diffflow/networks';
import { centralDifference, expectNoLeaks, take } from '@diffflow/test-utils';
import { ddpmAlphaBars } from './ddpm_schedule.js';
import { ddpmLoss, ddpmNoisePurposes, ddpmTrainingDraws } from './ddpm_loss.js';

const made: VectorField[] = [];
afterEach(() => made.splice(0).forEach((f) => f.dispose()));

/** A fixed closed-form "network" ε(x, t) = 0.5 x + t (t per row), no parameters. */
const affine: VectorField = {
  name: 'affine',
  apply: (x, t) =>
    tf.tidy(() => tf.add(tf.mul(x, 0.5), typeof t === 'number' ? t : tf.reshape(t, [-1, 1]))),
  parameters: [],
  parameterCount: 0,
  dispose: () => undefined,
};

/** 2-D ring data (radius 1, small radial noise) from replayable draws. */
function ring(n: number, iteration: number): tf.Tensor2D {
  const u = replayableUniforms(n, { seed: 3, purpose: 'data', iteration, step: 0 });
  const r = replayableNormals(n, { seed: 3, purpose: 'data', iteration, step: 1 });
  const values = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const radius = 1 + 0.05 * (r[i] as number);
    values[2 * i] = radius * Math.cos(2 * Math.PI * (u[i] as number));
    values[2 * i + 1] = radius * Math.sin(2 * Math.PI * (u[i] as number));
  }
  return tf.tensor2d(values, [n, 2]);
}

describe('ddpmTrainingDraws', () => {
  it('draws t ~ U(tMin, 1) with the marginal coefficients, replayed per iteration', () => {
    const options = { seed: 9, iteration: 4, tMin: 0.01 };
    const d = ddpmTrainingDraws(defaultVpSchedule, 64, options);
    d.times.forEach((t, b) => {
      expect(t).toBeGreaterThanOrEqual(0.01);
      expect(t).toBeLessThan(1);
      const m = vpMarginal(defaultVpSchedule, t);
      expect(d.meanCoefficients[b]).toBe(m.meanCoefficient);
      expect(d.stds[b]).toBe(m.std);
    });
    expect(ddpmTrainingDraws(defaultVpSchedule, 64, options)).toEqual(d);
    expect(ddpmTrainingDraws(defaultVpSchedule, 64, { ...options, iteration: 5 }).times).not.toEqual(d.times);
  });

  it('draws t ~ U(tMin, tMax) when tMax < 1: the same uniforms, rescaled', () => {
    const options = { seed: 9, iteration: 4, tMin: 0.01 };
    const whole = ddpmTrainingDraws(defaultVpSchedule, 64, options);
    const part = ddpmTrainingDraws(defaultVpSchedule, 64, { ...options, tMax: 0.5 });
    part.times.forEach((t, b) => {
      expect(t).toBeCloseTo(0.01 + (0.49 / 0.99) * ((whole.times[b] as number) - 0.01), 12);
      expect(t).toBeLessThan(0.5);
      expect(part.stds[b]).toBe(vpMarginal(defaultVpSchedule, t).std);
    });
  });

  it("'discrete' draws k ~ U{1, …, K} with t = k / K and the discrete ᾱ_k", () => {
    const schedule = vpSchedule({ steps: 100 });
    const alphaBars = ddpmAlphaBars(schedule, 'discrete');
    const d = ddpmTrainingDraws(schedule, 2000, { seed: 1, iteration: 0, time: 'discrete' });
    const seen = new Set<number>();
    d.times.forEach((t, b) => {
      const k = Math.round(t * 100);
      expect(t).toBe(k / 100);
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(100);
      seen.add(k);
      expect(d.meanCoefficients[b]).toBe(Math.sqrt(alphaBars[k] as number));
      expect(d.stds[b]).toBe(Math.sqrt(1 - (alphaBars[k] as number)));
    });
    expect(seen.size).toBe(100); // 2000 draws hit all 100 steps (each missed with odds 0.99^2000)
  });
});

describe('ddpmLoss', () => {
  it('equals a hand computation of E‖ε_θ(x_t, t) − ε‖² with a fixed network', () => {
    const x0v = [0.5, -1, 2, 0.25, -0.3, 1.1];
    for (const time of ['continuous', 'discrete'] as const) {
      const options = { seed: 21, iteration: 3, tMin: 1e-3, time };
      const x0 = tf.tensor2d(x0v, [3, 2]);
      const got = expectNoLeaks(() => take(ddpmLoss(affine, defaultVpSchedule, x0, options)))[0] as number;
      x0.dispose();
      const d = ddpmTrainingDraws(defaultVpSchedule, 3, options);
      const eps = replayableNormals(6, { seed: 21, purpose: ddpmNoisePurposes.noise, iteration: 3, step: 0 });
      let total = 0;
      for (let b = 0; b < 3; b++) {
        for (let j = 0; j < 2; j++) {
          const e = eps[2 * b + j] as number;
          const xt = (d.meanCoefficients[b] as number) * (x0v[2 * b + j] as number) + (d.stds[b] as number) * e;
          total += (0.5 * xt + (d.times[b] as number) - e) ** 2;
        }
      }
      expect(Math.abs(got - total / 3) / (total / 3), time).toBeLessThan(1e-5);
    }
  });

  it('is differentiable in the network parameters (autodiff matches finite differences)', () => {
    const net = fourierMlp({ dim: 2, hidden: 8, layers: 1, seed: 4, name: 'eps' });
    made.push(net);
    const x0 = ring(32, 0);
    const options = { seed: 2, iteration: 0 };
    const { grads, value } = tf.variableGrads(() => ddpmLoss(net, defaultVpSchedule, x0, options), variablesOf(net));
    value.dispose();
    for (const name of ['output.bias', 'input.weight']) {
      const v = net.parameters.find((p) => p.name === name)!.variable;
      const fd = centralDifference(() => tf.tidy(() => ddpmLoss(net, defaultVpSchedule, x0, options).dataSync()[0] as number), v, 1, 1e-2);
      const ad = grads[v.name]!.dataSync()[1] as number;
      expect(Math.abs(ad - fd), name).toBeLessThan(2e-2 * Math.max(Math.abs(fd), 0.1));
    }
    tf.dispose([...Object.values(grads), x0]);
  });

  it('decreases over a few Adam steps on 2-D data, without leaks', () => {
    const net = fourierMlp({ dim: 2, hidden: 32, layers: 2, seed: 7, name: 'eps' });
    made.push(net);
    const heldOut = ring(512, 1000);
    // the same 4 held-out draws of t and ε before and after training
    const evaluate = (): number =>
      tf.tidy(() => [0, 1, 2, 3].reduce((s, k) => s + (ddpmLoss(net, defaultVpSchedule, heldOut, { seed: 99, iteration: k }).dataSync()[0] as number), 0) / 4);
    const before = evaluate();
    const tensorsBefore = tf.memory().numTensors;
    const optimizer = tf.train.adam(1e-2);
    for (let iteration = 0; iteration < 40; iteration++) {
      const x0 = ring(256, iteration);
      const { grads, value } = tf.variableGrads(() => ddpmLoss(net, defaultVpSchedule, x0, { seed: 1, iteration }), variablesOf(net));
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([...Object.values(grads), value, x0]);
    }
    optimizer.dispose(); // Adam's moment slots are its only tensors
    expect(tf.memory().numTensors, 'tensors leaked').toBe(tensorsBefore);
    const after = evaluate();
    // measured on wasm: 1.97 → 0.44
    expect(after, `held-out L_simple ${before} → ${after}`).toBeLessThan(0.5 * before);
    heldOut.dispose();
  });

  it('rows [a, b): a shard gets exactly rows a … b − 1 of the whole batch\'s t and ε, and the shards\' losses weighted by rows/B give the whole batch\'s', () => {
    // a probe "network" that records what it is called with: with x0 = 0, x_t = σ(t)·ε row by row
    const seen: { xt: Float32Array; t: Float32Array }[] = [];
    const probe: VectorField = {
      ...affine,
      name: 'probe',
      apply: (x, t) => {
        seen.push({ xt: Float32Array.from(x.dataSync()), t: Float32Array.from((t as tf.Tensor1D).dataSync()) });
        return affine.apply(x, t);
      },
    };
    const shape = [7, 3];
    const rowSize = 3;
    for (const time of ['continuous', 'discrete'] as const) {
      const options = { seed: 5, iteration: 2, time };
      const zeros = tf.zeros(shape);
      const x0 = tf.tidy(() => tf.reshape(tf.tensor1d(Array.from({ length: 21 }, (_, i) => Math.sin(i))), shape));
      seen.length = 0;
      const whole = expectNoLeaks(() => take(ddpmLoss(probe, defaultVpSchedule, zeros, options)))[0] as number;
      const wholeDraws = ddpmTrainingDraws(defaultVpSchedule, 7, options);
      const full = seen[0]!;
      const wholeData = take(ddpmLoss(affine, defaultVpSchedule, x0, options))[0] as number;
      let combined = 0;
      for (const [a, b] of [[0, 3], [3, 4], [4, 7]] as const) {
        seen.length = 0;
        const part = tf.slice(zeros, a, b - a);
        expectNoLeaks(() => take(ddpmLoss(probe, defaultVpSchedule, part, { ...options, rows: [a, b] })));
        expect(Array.from(seen[0]!.xt), `x_t rows ${a}…${b}`).toEqual(Array.from(full.xt.subarray(a * rowSize, b * rowSize)));
        expect(Array.from(seen[0]!.t), `t rows ${a}…${b}`).toEqual(Array.from(full.t.subarray(a, b)));
        const draws = ddpmTrainingDraws(defaultVpSchedule, b - a, { ...options, rows: [a, b] });
        expect(Array.from(draws.times)).toEqual(Array.from(wholeDraws.times.subarray(a, b)));
        expect(Array.from(draws.stds)).toEqual(Array.from(wholeDraws.stds.subarray(a, b)));
        const data = tf.slice(x0, a, b - a);
        combined += ((b - a) / 7) * (take(ddpmLoss(affine, defaultVpSchedule, data, { ...options, rows: [a, b] }))[0] as number);
        tf.dispose([part, data]);
      }
      expect(Math.abs(combined - wholeData) / wholeData, time).toBeLessThan(1e-6);
      expect(whole).toBeGreaterThan(0);
      tf.dispose([zeros, x0]);
    }
    const x0 = tf.zeros([2, 2]);
    expect(() => ddpmLoss(affine, defaultVpSchedule, x0, { seed: 1, iteration: 0, rows: [3, 6] })).toThrow(/rows must be integers \[start, end\) with start ≥ 0 and end − start = 2/);
    expect(() => ddpmLoss(affine, defaultVpSchedule, x0, { seed: 1, iteration: 0, rows: [-1, 1] })).toThrow(/rows/);
    x0.dispose();
  });

  it('rejects bad options with a RangeError naming the option', () => {
    const x0 = tf.zeros([2, 2]);
    expect(() => ddpmLoss(affine, defaultVpSchedule, x0, { seed: 1, iteration: 0, tMin: 0 })).toThrow(/tMin must be a number in \(0, 1\)/);
    expect(() => ddpmLoss(affine, defaultVpSchedule, x0, { seed: 1, iteration: -1 })).toThrow(/iteration must be an integer ≥ 0/);
    expect(() => ddpmLoss(affine, defaultVpSchedule, x0, { seed: 1, iteration: 0, tMin: 0.2, tMax: 0.1 })).toThrow(/tMax must be a number in \(tMin, 1\] = \(0.2, 1\], got 0.1/);
    expect(() => ddpmLoss(affine, defaultVpSchedule, x0, { seed: 1, iteration: 0, tMax: 1.5 })).toThrow(/tMax/);
    expect(() => ddpmLoss(affine, defaultVpSchedule, x0, { seed: 1, iteration: 0, time: 'other' as never })).toThrow(/time must be one of continuous, discrete/);
    expect(() => ddpmLoss(affine, { betaMin: 1, betaMax: 0.5, steps: 10 }, x0, { seed: 1, iteration: 0 })).toThrow(/betaMax/);
    const flat = tf.zeros([4]);
    expect(() => ddpmLoss(affine, defaultVpSchedule, flat, { seed: 1, iteration: 0 })).toThrow(/x0 must be \[B, \.\.\.D\]/);
    tf.dispose([x0, flat]);
  });
});
