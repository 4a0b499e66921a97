import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoLeaks, relativeError, take } from '@diffflow/test-utils';
import { fourierMlp, type FourierMlp } from './fourier_mlp.js';
import type { VectorField } from './vector_field.js';
import { variablesOf } from './vector_field.js';

const made: VectorField[] = [];
const make = (o: Parameters<typeof fourierMlp>[0]): FourierMlp => {
  const f = fourierMlp(o);
  made.push(f);
  return f;
};
afterEach(() => made.splice(0).forEach((f) => f.dispose()));

describe('fourierMlp', () => {
  it('has the reference parameter count (99,714 for D = 2, 3 × 128)', () => {
    expect(make({ dim: 2 }).parameterCount).toBe(99_714);
    expect(make({ dim: 2, layers: 2 }).parameterCount).toBe(83_202);
  });

  it('maps [B, D] to [B, D] for a shared time and for one time per row, without leaks', () => {
    const f = make({ dim: 3, hidden: 16, layers: 2, seed: 1 });
    const x = tf.randomNormal([5, 3]);
    const t = tf.tensor1d([0.1, 0.1, 0.1, 0.1, 0.1]);
    const shared = expectNoLeaks(() => take(f.apply(x, 0.1)));
    const perRow = expectNoLeaks(() => take(f.apply(x, t)));
    expect(shared).toHaveLength(15);
    expect(relativeError(shared, perRow)).toBeLessThan(1e-6);
    tf.dispose([x, t]);
  });

  it.each(['gelu', 'silu'] as const)(
    'gives the same values without a gradient tape (tape-free path, gate slope folded into the weights) as under one, shared and per-row t, also after the weights change: %s',
    (activation) => {
      const f = make({ dim: 2, hidden: 32, layers: 2, seed: 9, activation });
      const x = tf.randomNormal([6, 2], 0, 1, 'float32', 5);
      const t = tf.tensor1d([0.001, 0.01, 0.02, 0.03, 0.04, 0.05]);
      for (const weights of ['initial', 'assigned'] as const) {
        if (weights === 'assigned') {
          // an optimizer step: every variable gets new data (the folded copies must follow)
          f.parameters.forEach(({ variable }, k) => variable.assign(tf.tidy(() => tf.add(tf.mul(variable, 1.25), 0.01 * (k + 1)))));
        }
        for (const time of [0.02, t]) {
          const free = expectNoLeaks(() => take(f.apply(x, time)));
          // under a tape: the value returned alongside the gradient
          const { value, grads } = tf.engine().gradients(() => f.apply(x, time), [x], undefined, true);
          tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
          expect(relativeError(free, take(value)), `${weights} weights`).toBeLessThan(1e-6);
        }
      }
      tf.dispose([x, t]);
    },
  );

  it('leaves no tensor behind once disposed (variables, cached transposes, time coefficients)', () => {
    const before = tf.memory().numTensors;
    const f = fourierMlp({ dim: 2, hidden: 8, layers: 2, seed: 4 });
    const x = tf.ones([3, 2]);
    const r = f.vjp(x, 0.01, x);
    tf.dispose([r.value, r.dx, ...r.dparams, x]);
    f.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is initialised from its seed alone', () => {
    const a = make({ dim: 2, hidden: 8, seed: 3, name: 'a' });
    const b = make({ dim: 2, hidden: 8, seed: 3, name: 'a' });
    const c = make({ dim: 2, hidden: 8, seed: 4, name: 'a' });
    const x = tf.ones([2, 2]);
    expect(take(a.apply(x, 0.01))).toEqual(take(b.apply(x, 0.01)));
    expect(take(a.apply(x, 0.01))).not.toEqual(take(c.apply(x, 0.01)));
    x.dispose();
  });

  it('gives every parameter a gradient, matching finite differences of the custom dense and activation gradients', () => {
    const f = make({ dim: 2, hidden: 8, layers: 1, seed: 2 });
    const x = tf.randomNormal([4, 2], 0, 1, 'float32', 7);
    const loss = (): tf.Scalar => tf.sum(tf.square(f.apply(x, 0.03)));
    const { grads, value } = tf.variableGrads(loss, variablesOf(f));
    value.dispose();
    for (const p of f.parameters) {
      const g = grads[p.variable.name]!;
      expect(g.shape, p.name).toEqual(p.variable.shape);
      expect(take(tf.sum(tf.abs(g)))).not.toEqual([0]);
    }
    // compare with the built-in gradients of the same maths through a plain re-implementation via x
    const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(f.apply(xx, 0.03))))(x);
    const eps = 1e-2;
    const fd = [];
    const xv = x.dataSync();
    for (let k = 0; k < xv.length; k++) {
      const plus = xv.slice();
      plus[k]! += eps;
      const minus = xv.slice();
      minus[k]! -= eps;
      const lp = tf.tidy(() => tf.sum(tf.square(f.apply(tf.tensor(plus, [4, 2]), 0.03))).dataSync()[0]!);
      const lm = tf.tidy(() => tf.sum(tf.square(f.apply(tf.tensor(minus, [4, 2]), 0.03))).dataSync()[0]!);
      fd.push((lp - lm) / (2 * eps));
    }
    expect(relativeError(take(gx), fd)).toBeLessThan(1e-2);
    tf.dispose(Object.values(grads));
    x.dispose();
  });

  describe('hand-written pull-back (vjp)', () => {
    /** The autodiff vector–Jacobian product through `apply`, what the pull-back must reproduce. */
    const autodiff = (f: VectorField, x: tf.Tensor, t: number, dy: tf.Tensor): { value: number[]; dx: number[]; dparams: number[][] } => {
      const params = f.parameters.map((p) => p.variable);
      const { value, grads } = tf.engine().gradients(() => f.apply(x, t), [x, ...params], dy, true);
      const [dx, ...dparams] = grads as tf.Tensor[];
      return { value: take(value), dx: take(dx as tf.Tensor), dparams: dparams.map(take) };
    };
    const cases: [string, Parameters<typeof fourierMlp>[0], number, number][] = [
      ['the reference network (D = 2, 3 × 128, GELU)', { dim: 2, seed: 11 }, 64, 0.0137],
      ['SiLU, D = 3, 2 × 16', { dim: 3, hidden: 16, layers: 2, activation: 'silu', seed: 12 }, 9, 0.05],
      ['no hidden layers (input → output)', { dim: 2, hidden: 8, layers: 0, seed: 13 }, 5, 1e-3],
      ['one row', { dim: 2, hidden: 32, layers: 1, seed: 14 }, 1, 0.02],
    ];
    for (const [label, options, batch, t] of cases) {
      it(`equals the autodiff vjp for x and every parameter (rel. error ≤ 1e-5), without leaks: ${label}`, () => {
        const f = fourierMlp(options);
        made.push(f);
        const x = tf.randomNormal([batch, options.dim], 0, 1, 'float32', 21);
        const dy = tf.randomNormal([batch, options.dim], 0, 1, 'float32', 22);
        const fast = expectNoLeaks(() => {
          const r = f.vjp(x, t, dy);
          return { value: take(r.value), dx: take(r.dx), dparams: r.dparams.map(take) };
        });
        const ref = autodiff(f, x, t, dy);
        expect(relativeError(fast.value, ref.value), 'value').toBeLessThan(1e-5);
        expect(relativeError(fast.dx, ref.dx), 'dx').toBeLessThan(1e-5);
        expect(fast.dparams).toHaveLength(f.parameters.length);
        f.parameters.forEach((p, k) => {
          expect(fast.dparams[k], p.name).toHaveLength(p.variable.size);
          expect(relativeError(fast.dparams[k]!, ref.dparams[k]!), p.name).toBeLessThan(1e-5);
        });
        tf.dispose([x, dy]);
      });
    }

    it('follows its weights when they change (an optimizer step), with a constant tensor count', () => {
      const f = make({ dim: 2, hidden: 16, layers: 2, seed: 16 });
      const x = tf.randomNormal([7, 2], 0, 1, 'float32', 3);
      const dy = tf.randomNormal([7, 2], 0, 1, 'float32', 4);
      const before = take(f.vjp(x, 0.02, dy).dx);
      // every weight changes, as after optimizer.applyGradients
      expectNoLeaks(() => {
        for (const p of f.parameters) tf.tidy(() => p.variable.assign(tf.add(tf.mul(p.variable, 1.5), 0.01)));
        const r = f.vjp(x, 0.02, dy);
        return { dx: take(r.dx), dparams: r.dparams.map(take), value: take(r.value) };
      });
      const fast = f.vjp(x, 0.02, dy);
      const ref = autodiff(f, x, 0.02, dy);
      const dx = take(fast.dx);
      expect(relativeError(dx, ref.dx)).toBeLessThan(1e-5);
      expect(relativeError(dx, before)).toBeGreaterThan(1e-2);
      f.parameters.forEach((p, k) => expect(relativeError(take(fast.dparams[k]!), ref.dparams[k]!), p.name).toBeLessThan(1e-5));
      fast.value.dispose();
      tf.dispose([x, dy]);
    });

    for (const compact of [false, true]) {
    it(`linearize${compact ? ' (compact: pre-activations only)' : ''}: the value now, the same pull-back as vjp later, once; no leaks via pullback or dispose`, () => {
      const f = make({ dim: 2, hidden: 32, layers: 2, seed: 17 });
      const x = tf.randomNormal([9, 2], 0, 1, 'float32', 6);
      const dy = tf.randomNormal([9, 2], 0, 1, 'float32', 7);
      const ref = autodiff(f, x, 0.03, dy);
      const out = expectNoLeaks(() => {
        const lin = f.linearize(x, 0.03, { compact });
        // held: (L + 1) pre-activations [9, 32] (compact) or inputs and gate derivatives; plus the [1, ·] time pieces (2h + h + h + h + h)
        const layerBytes = (compact ? 3 : 6) * 9 * 32 * 4;
        expect(lin.cacheBytes).toBe(layerBytes + (2 * 32 + 4 * 32) * 4);
        const value = take(lin.value);
        const r = lin.pullback(dy);
        expect(lin.cacheBytes).toBe(0);
        expect(() => lin.pullback(dy)).toThrow(/has been used/);
        lin.dispose(); // no-op after pullback
        return { value, dx: take(r.dx), dparams: r.dparams.map(take) };
      });
      expect(relativeError(out.value, ref.value)).toBeLessThan(1e-5);
      expect(relativeError(out.dx, ref.dx)).toBeLessThan(1e-5);
      f.parameters.forEach((p, k) => expect(relativeError(out.dparams[k]!, ref.dparams[k]!), p.name).toBeLessThan(1e-5));
      expectNoLeaks(() => {
        const lin = f.linearize(x, 0.03, { compact });
        lin.value.dispose();
        lin.dispose();
        expect(lin.cacheBytes).toBe(0);
      });
      tf.dispose([x, dy]);
    });
    }

    it('hands out a distinct tensor for every parameter (callers dispose each one)', () => {
      const f = make({ dim: 2, hidden: 8, layers: 1, seed: 15 });
      const x = tf.randomNormal([4, 2], 0, 1, 'float32', 1);
      const r = f.vjp(x, 0.01, x);
      expect(new Set(r.dparams).size).toBe(r.dparams.length);
      tf.dispose([x, r.value, r.dx, ...r.dparams]);
    });

    it('rejects a cotangent of the wrong shape and a non-finite time', () => {
      const f = make({ dim: 2, hidden: 4 });
      const x = tf.ones([3, 2]);
      const bad = tf.ones([3, 3]);
      expect(() => f.vjp(x, 0.01, bad)).toThrow(/dy must be \[B, 2\] = \[3, 2\], got \[3, 3\]/);
      expect(() => f.vjp(x, Number.NaN, x)).toThrow(/t must be a finite number/);
      tf.dispose([x, bad]);
    });
  });

  describe('time table: the time embedding at every time of a grid at once', () => {
    const times = [0.001, 0.0123, 0.02, 0.035, 0.05];
    // a time pulled back twice (its cotangents add) and one never pulled back (a zero row)
    const calls = [0.05, 0.035, 0.02, 0.0123, 0.035];
    for (const compact of [false, true]) {
      it(`gives linearize's value, dx and non-time gradients bit for bit, and the time gradients summed over the pull-backs (≤ 1e-5 relative), without leaks${compact ? ' (compact)' : ''}`, () => {
        const f = make({ dim: 2, hidden: 32, layers: 2, seed: 21 });
        const x = tf.randomNormal([9, 2], 0, 1, 'float32', 8);
        const dys = calls.map((_, k) => tf.randomNormal([9, 2], 0, 1, 'float32', 30 + k));
        const plain = expectNoLeaks(() =>
          calls.map((t, k) => {
            const lin = f.linearize(x, t, { compact });
            const r = lin.pullback(dys[k] as tf.Tensor);
            return { value: take(lin.value), dx: take(r.dx), dparams: r.dparams.map(take) };
          }),
        );
        const tabled = expectNoLeaks(() => {
          const table = f.timeTable(times);
          expect(table.collected.map((k) => f.parameters[k]?.name)).toEqual(['time.phase', 'time.0.weight', 'time.0.bias', 'time.1.weight']);
          const steps = calls.map((t, k) => {
            const lin = table.linearize(x, t, { compact });
            const r = lin.pullback(dys[k] as tf.Tensor);
            table.collected.forEach((i) => expect(r.dparams[i]).toBeUndefined());
            return { value: take(lin.value), dx: take(r.dx), dparams: r.dparams.map((g) => (g === undefined ? null : take(g))) };
          });
          return { steps, collected: table.gradients().map(take) };
        });
        tabled.steps.forEach((step, k) => {
          const ref = plain[k] as (typeof plain)[number];
          expect(step.value).toEqual(ref.value);
          expect(step.dx).toEqual(ref.dx);
          step.dparams.forEach((g, i) => {
            if (g !== null) expect(g, f.parameters[i]?.name).toEqual(ref.dparams[i]);
          });
        });
        const collectedIdx = ['time.phase', 'time.0.weight', 'time.0.bias', 'time.1.weight'].map((n) => f.parameters.findIndex((p) => p.name === n));
        collectedIdx.forEach((i, c) => {
          const sum = (plain[0] as (typeof plain)[number]).dparams[i]!.map((_, e) => plain.reduce((acc, step) => acc + (step.dparams[i]![e] as number), 0));
          expect(relativeError(tabled.collected[c] as number[], sum), f.parameters[i]?.name).toBeLessThan(1e-5);
        });
        tf.dispose([x, ...dys]);
      });
    }

    for (const compact of [false, true]) {
      it(`linearizeBlocks: the blocks' values and dx are the per-block linearizations' bit for bit, the gradients their sums (≤ 1e-5 relative), mixed with per-time pull-backs, without leaks${compact ? ' (compact)' : ''}`, () => {
        const f = make({ dim: 2, hidden: 32, layers: 2, seed: 23 });
        const rows = 7;
        // three blocks (one time twice), and one more per-time pull-back at a time of the blocks
        const blockTimes = [0.05, 0.0123, 0.05];
        const xs = blockTimes.map((_, k) => tf.randomNormal([rows, 2], 0, 1, 'float32', 40 + k));
        const dys = blockTimes.map((_, k) => tf.randomNormal([rows, 2], 0, 1, 'float32', 50 + k));
        const x1 = tf.randomNormal([rows, 2], 0, 1, 'float32', 60);
        const dy1 = tf.randomNormal([rows, 2], 0, 1, 'float32', 61);
        const run = (blocked: boolean) =>
          expectNoLeaks(() => {
            const table = f.timeTable(times);
            let values: number[];
            let dx: number[];
            let dparams: (number[] | null)[];
            if (blocked) {
              const x = tf.concat(xs, 0);
              const dy = tf.concat(dys, 0);
              const lin = table.linearizeBlocks(x, blockTimes, { compact });
              expect(lin.cacheBytes).toBe(blockTimes.length * rows * table.cacheBytesPerRow({ compact }));
              const r = lin.pullback(dy);
              values = take(lin.value);
              dx = take(r.dx);
              dparams = r.dparams.map((g) => (g === undefined ? null : take(g)));
              tf.dispose([x, dy]);
            } else {
              const parts = blockTimes.map((t, k) => {
                const lin = table.linearize(xs[k] as tf.Tensor, t, { compact });
                const r = lin.pullback(dys[k] as tf.Tensor);
                return { value: take(lin.value), dx: take(r.dx), dparams: r.dparams.map((g) => (g === undefined ? null : take(g))) };
              });
              values = parts.flatMap((q) => q.value);
              dx = parts.flatMap((q) => q.dx);
              dparams = (parts[0] as (typeof parts)[number]).dparams.map((g, i) => (g === null ? null : g.map((_, e) => parts.reduce((acc, q) => acc + (q.dparams[i] as number[])[e]!, 0))));
            }
            const one = table.linearize(x1, 0.0123);
            const r1 = one.pullback(dy1);
            tf.dispose([one.value, r1.dx, ...r1.dparams.filter((g): g is tf.Tensor => g !== undefined)]);
            return { values, dx, dparams, collected: table.gradients().map(take) };
          });
        const blocked = run(true);
        const plain = run(false);
        expect(blocked.values).toEqual(plain.values);
        expect(blocked.dx).toEqual(plain.dx);
        blocked.dparams.forEach((g, i) => {
          expect(g === null, f.parameters[i]?.name).toBe(plain.dparams[i] === null);
          if (g !== null) expect(relativeError(g, plain.dparams[i] as number[]), f.parameters[i]?.name).toBeLessThan(1e-5);
        });
        blocked.collected.forEach((g, c) => expect(relativeError(g, plain.collected[c] as number[])).toBeLessThan(1e-5));
        tf.dispose([...xs, ...dys, x1, dy1]);
      });
    }

    it('linearizeBlocks rejects rows that do not split into the blocks, no blocks and a time not in the table, without leaks', () => {
      const f = make({ dim: 2, hidden: 8, layers: 1, seed: 24 });
      const x = tf.ones([6, 2]);
      expectNoLeaks(() => {
        const table = f.timeTable(times);
        expect(() => table.linearizeBlocks(x, [0.02, 0.05, 0.001, 0.0123])).toThrow(/x's 6 rows do not split into 4 equal blocks/);
        expect(() => table.linearizeBlocks(x, [])).toThrow(/non-empty array of block times/);
        expect(() => table.linearizeBlocks(x, [0.02, 0.3])).toThrow(/t = 0.3 is not one of this time table's 5 times/);
        table.dispose();
      });
      x.dispose();
    });

    it('rejects a time not in the table, stale weights and a second use, without leaks', () => {
      const f = make({ dim: 2, hidden: 8, layers: 1, seed: 22 });
      const x = tf.ones([3, 2]);
      expect(() => f.timeTable([])).toThrow(/non-empty array of finite times/);
      expect(() => f.timeTable([0.1, Number.NaN])).toThrow(/non-empty array of finite times/);
      expectNoLeaks(() => {
        const table = f.timeTable(times);
        expect(() => table.linearize(x, 0.3)).toThrow(/t = 0.3 is not one of this time table's 5 times/);
        table.gradients().forEach((g) => g.dispose()); // no pull-backs: zeros
        expect(() => table.linearize(x, 0.02)).toThrow(/has been used/);
        expect(() => table.gradients()).toThrow(/has been used/);
        table.dispose(); // no-op
      });
      expectNoLeaks(() => {
        const table = f.timeTable(times);
        const phase = f.parameters.find((p) => p.name === 'time.phase')?.variable as tf.Variable;
        const moved = tf.add(phase, 0.5);
        phase.assign(moved); // an optimizer step
        moved.dispose();
        expect(() => table.linearize(x, 0.02)).toThrow(/weights changed since this time table was made/);
        table.dispose();
      });
      x.dispose();
    });
  });

  it('rejects wrong shapes with a message naming the shape', () => {
    const f = make({ dim: 2, hidden: 4 });
    const x = tf.ones([3, 5]);
    expect(() => f.apply(x, 0)).toThrow(/x must be \[B, 2\], got \[3, 5\]/);
    x.dispose();
    expect(() => fourierMlp({ dim: 0 })).toThrow(/dim must be an integer ≥ 1/);
  });
});
