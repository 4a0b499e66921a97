import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export { repoRoot, SOURCE_NODE_ARGS, runScript, runScriptAsync, runProcess } from './cli.js';
export type { Ran, RunOptions } from './cli.js';
export { suiteTempDir } from './temp_dir.js';

/**
 * Runs `fn` and asserts that it leaves `tf.memory().numTensors` unchanged, once its returned
 * tensors (if any) are disposed. Returns what `fn` returned, already read into plain arrays.
 */
export function expectNoLeaks<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  tf.dispose(collectTensors(out));
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return out;
}

function collectTensors(value: unknown, acc: tf.Tensor[] = []): tf.Tensor[] {
  if (value instanceof tf.Tensor) acc.push(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, acc);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collectTensors(v, acc);
  return acc;
}

/** Reads a tensor into a flat number array and disposes it. */
export function take(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Relative error ‖a − b‖ / max(‖a‖, ‖b‖, tiny) over flat arrays. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    num += (x - y) ** 2;
    na += x * x;
    nb += y * y;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-30);
}

/**
 * Central finite difference of a scalar function of one variable entry:
 * (f(θ + ε e_k) − f(θ − ε e_k)) / 2ε. The variable is restored afterwards. Use the *same*
 * randomness inside `f` on both sides (pass seeds explicitly).
 */
export function centralDifference(
  f: () => number,
  variable: tf.Variable,
  index: number,
  eps = 1e-2,
): number {
  const original = variable.dataSync().slice() as Float32Array;
  const shifted = (delta: number): number => {
    const values = original.slice();
    values[index] = (values[index] ?? 0) + delta;
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    return f();
  };
  const plus = tf.tidy(() => shifted(eps));
  const minus = tf.tidy(() => shifted(-eps));
  tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
  return (plus - minus) / (2 * eps);
}
