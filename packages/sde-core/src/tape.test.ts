import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tapeSafe } from './tape.js';

/** A function whose forward pass saves tensors for the backward pass, then throws. */
const failing = (x: tf.Tensor): tf.Scalar => {
  const y = tf.sum(tf.exp(tf.mul(x, x))); // exp and mul save their inputs/outputs on the tape
  throw new Error(`user failure after ${y.size} value`);
};

describe('tapeSafe', () => {
  it('frees what the tape saved when the function under tf.grad throws (tfjs alone keeps it)', () => {
    const x = tf.tensor1d([1, 2, 3]);
    let before = tf.memory().numTensors;
    expect(() => tf.grad(failing)(x)).toThrow(/user failure/);
    expect(tf.memory().numTensors - before).toBeGreaterThan(0); // the tfjs behaviour this works around
    // (those are lost for good: the next tape replaces the abandoned one)
    before = tf.memory().numTensors;
    expect(() => tapeSafe(() => tf.grad(failing)(x))).toThrow(/user failure/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('returns what the function returns', () => {
    const x = tf.tensor1d([1, 2]);
    const g = tapeSafe(() => tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x));
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
    tf.dispose([x, g]);
  });
});
