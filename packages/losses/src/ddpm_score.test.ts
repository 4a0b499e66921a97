import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fourierMlp, hasVjp, scoreFromEpsilon, vectorField, variablesOf, vjp, type VectorField } from '@diffflow/networks';
import { fixedGrid, forwardNoise, defaultVpSchedule, vpMarginal, vpSde } from '@diffflow/sde-core';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { vpStdTensor } from './ddpm_score.js';
import { ddpmModel } from './ddpm_model.js';
import { trajectoryKl } from './trajectory_kl.js';

const made: VectorField[] = [];
const net = (): VectorField => {
  const f = fourierMlp({ dim: 2, hidden: 16, layers: 1, seed: 5, name: 'eps' });
  made.push(f);
  return f;
};
afterEach(() => made.splice(0).forEach((f) => f.dispose()));

describe('vpStdTensor', () => {
  it('is σ(t) in float32 from t = 1e-5 to 1 (relative error < 1e-5)', () => {
    const times = [1e-5, 1e-4, 1e-3, 0.004, 0.0051, 0.01, 0.1, 0.5, 1];
    const got = expectNoLeaks(() => {
      const t = tf.tensor1d(times);
      const s = take(vpStdTensor(defaultVpSchedule, t));
      t.dispose();
      return s;
    });
    times.forEach((t, i) => {
      const want = vpMarginal(defaultVpSchedule, t).std;
      expect(Math.abs((got[i] as number) / want - 1), `t = ${t}`).toBeLessThan(1e-5);
    });
  });
});

describe('scoreFromEpsilon on the VP SDE (the DDPM score)', () => {
  it('equals −ε_θ(x, t)/σ(t) for a shared time and for one time per row, without leaks', () => {
    const eps = net();
    const score = scoreFromEpsilon(eps, vpSde(defaultVpSchedule));
    const x = tf.tensor2d([
      [0.3, -1.2],
      [2, 0.1],
      [-0.7, 0.4],
    ]);
    const times = [1e-4, 0.3, 1];
    const t = tf.tensor1d(times);
    const e = take(eps.apply(x, t));
    const s = expectNoLeaks(() => take(score.apply(x, t)));
    const want = e.map((v, i) => -v / vpMarginal(defaultVpSchedule, times[Math.floor(i / 2)] as number).std);
    expect(relativeError(s, want)).toBeLessThan(1e-5);
    const eShared = take(eps.apply(x, 0.3));
    const sShared = expectNoLeaks(() => take(score.apply(x, 0.3)));
    const sigma = vpMarginal(defaultVpSchedule, 0.3).std;
    expect(relativeError(sShared, eShared.map((v) => -v / sigma))).toBeLessThan(1e-6);
    expect(() => score.apply(x, 0)).toThrow(/t must be > 0/);
    tf.dispose([x, t]);
  });

  it('shares the parameters of the ε-network (same variables, gradients flow to them)', () => {
    const eps = net();
    const score = scoreFromEpsilon(eps, vpSde(defaultVpSchedule));
    expect(score.parameters).toBe(eps.parameters);
    expect(score.parameterCount).toBe(eps.parameterCount);
    expect(variablesOf(score)).toEqual(variablesOf(eps));
    const x = tf.tensor2d([[0.5, -0.5]]);
    const sigma = vpMarginal(defaultVpSchedule, 0.2).std;
    const { grads: gs, value: vs } = tf.variableGrads(() => tf.sum(score.apply(x, 0.2)) as tf.Scalar, variablesOf(eps));
    const { grads: ge, value: ve } = tf.variableGrads(() => tf.sum(eps.apply(x, 0.2)) as tf.Scalar, variablesOf(eps));
    for (const v of variablesOf(eps)) {
      expect(relativeError(take(gs[v.name]!), take(ge[v.name]!).map((g) => -g / sigma))).toBeLessThan(1e-5);
    }
    tf.dispose([vs, ve, x]);
  });

  it("passes the ε-network's own pull-back through, scaled by −1/σ", () => {
    const eps = net();
    // the same network without and with a pull-back of its own (here: autodiff of the plain one)
    const plainEps: VectorField = {
      name: eps.name,
      apply: eps.apply,
      parameters: eps.parameters,
      parameterCount: eps.parameterCount,
      dispose: eps.dispose,
    };
    const withVjp = vectorField({ name: plainEps.name, apply: plainEps.apply, parameters: plainEps.parameters, vjp: (x, t, dy) => vjp(plainEps, x, t, dy) });
    const plain = scoreFromEpsilon(plainEps, vpSde(defaultVpSchedule));
    expect(hasVjp(plain)).toBe(false);
    const score = scoreFromEpsilon(withVjp, vpSde(defaultVpSchedule));
    expect(hasVjp(score)).toBe(true);
    const x = tf.tensor2d([
      [0.1, 0.2],
      [-1, 1.5],
    ]);
    const dy = tf.tensor2d([
      [1, -2],
      [0.5, 0.25],
    ]);
    const pull = (field: VectorField) =>
      expectNoLeaks(() => {
        const r = vjp(field, x, 0.4, dy);
        return { value: take(r.value), dx: take(r.dx), dparams: r.dparams.map(take) };
      });
    const auto = pull(plain); // autodiff through the wrapper
    // the stand-in pull-back, and the real network's (fourierMlp's own pull-back when it has one)
    for (const [field, tol] of [
      [score, 1e-5],
      [scoreFromEpsilon(eps, vpSde(defaultVpSchedule)), 1e-4],
    ] as const) {
      const custom = pull(field);
      expect(relativeError(custom.value, auto.value)).toBeLessThan(1e-6);
      expect(relativeError(custom.dx, auto.dx)).toBeLessThan(tol);
      expect(custom.dparams).toHaveLength(auto.dparams.length);
      custom.dparams.forEach((g, k) => expect(relativeError(g, auto.dparams[k]!)).toBeLessThan(tol));
    }
    tf.dispose([x, dy]);
  });

  it('ddpmModel: the VP SDE with that score, a model the trajectory loss trains', () => {
    const eps = net();
    const model = ddpmModel(eps, defaultVpSchedule);
    expect(model.sde.drift.parameterCount).toBe(0);
    expect(model.score.parameters).toBe(eps.parameters);
    expect(model.sde.diffusion(0.5)).toBeCloseTo(Math.sqrt(10.05), 12);
    // DiffFlow's trajectory loss runs on it, and its gradient reaches the ε-network
    const x0 = tf.tensor2d([
      [0.2, -0.4],
      [1, 0.5],
    ]);
    const grid = fixedGrid({ steps: 4, tMin: 1e-3, tMax: 1, beta: 1 });
    const result = expectNoLeaks(() => {
      const { grads, value } = tf.variableGrads(() => trajectoryKl(model, x0, grid, forwardNoise(1, 0)).objective, variablesOf(model.score));
      const norms = Object.values(grads).map((g) => tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0] as number));
      const loss = take(value)[0] as number;
      tf.dispose(Object.values(grads));
      return { loss, norms };
    });
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.norms).toHaveLength(eps.parameters.length);
    for (const n of result.norms) expect(n).toBeGreaterThan(0);
    x0.dispose();
  });
});
