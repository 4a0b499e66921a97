import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './register_tfjs.js';
import { stubbedTfjsPackages } from './register_tfjs.js';

describe('register_tfjs', () => {
  it('registers the gradients tfjs-core alone lacks (tanh, matMul, conv2d, gather)', () => {
    const x = tf.tensor2d([0.3, -0.2, 0.5, 1.1], [2, 2]);
    const [dTanh] = tf.grads((a: tf.Tensor) => tf.sum(tf.tanh(a)))([x]);
    const expected = tf.sub(1, tf.square(tf.tanh(x)));
    expect(Array.from(dTanh!.dataSync())).toEqual(Array.from(expected.dataSync()));
    const [dMatMul] = tf.grads((a: tf.Tensor) => tf.sum(tf.matMul(a as tf.Tensor2D, a as tf.Tensor2D)))([x]);
    expect(dMatMul!.shape).toEqual([2, 2]);
    const img = tf.ones([1, 3, 3, 1]);
    const [dConv] = tf.grads((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, 'valid')))([img]);
    expect(Array.from(dConv!.dataSync())).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
    tf.dispose([x, dTanh!, expected, dMatMul!, img, dConv!]);
  });

  it('loads none of the stubbed packages (run before anything below loads the union package whole)', () => {
    const require = createRequire(import.meta.url);
    const loaded = Object.keys(require.cache);
    for (const name of stubbedTfjsPackages) expect(loaded.filter((path) => path.includes(`${name.replace('@tensorflow/', '')}/dist`))).toEqual([]);
    expect(loaded.some((path) => path.includes('tfjs-core/dist'))).toBe(true);
  });

  it('leaves the union package whole for a caller who loads it afterwards', () => {
    const require = createRequire(import.meta.url);
    const full = require('@tensorflow/tfjs') as { layers?: { dense?: unknown }; loadGraphModel?: unknown; data?: { array?: unknown } };
    expect(typeof full.layers?.dense).toBe('function');
    expect(typeof full.loadGraphModel).toBe('function');
    expect(typeof full.data?.array).toBe('function');
  });

});
