import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { classifierAccuracy, classifierFeatures } from './classifier_features.js';
import { lenet, type LeNetArchitecture } from './lenet.js';

const tiny: LeNetArchitecture = { height: 8, width: 8, channels: 1, convChannels: [2, 3], kernel: 3, hidden: [5, 4], classes: 3 };
const n = 7;
const bytes = Uint8Array.from({ length: n * 64 }, (_, i) => (i * 37) % 256);
const images = { images: bytes, n, height: 8, width: 8, channels: 1 };

describe('classifierFeatures', () => {
  it('does not depend on the batch size, reads bytes as v/127.5 − 1 like float32 and tensors, and is tidy-clean', () => {
    const net = lenet(tiny, 2);
    const whole = expectNoLeaks(() => classifierFeatures(net, images));
    const batched = expectNoLeaks(() => classifierFeatures(net, images, { batchSize: 3 }));
    expect(Array.from(batched.features.data)).toEqual(Array.from(whole.features.data));
    expect(Array.from(batched.labels)).toEqual(Array.from(whole.labels));
    const floats = Float32Array.from(bytes, (v) => v / 127.5 - 1);
    const fromFloats = classifierFeatures(net, { ...images, images: floats }, { batchSize: 2 });
    expect(Array.from(fromFloats.logits)).toEqual(Array.from(whole.logits));
    const x = tf.tensor4d(floats, [n, 8, 8, 1]);
    const fromTensor = expectNoLeaks(() => classifierFeatures(net, x, { batchSize: 4 }));
    expect(Array.from(fromTensor.logits)).toEqual(Array.from(whole.logits));
    expect(x.isDisposed).toBe(false);
    x.dispose();
    net.dispose();
  });

  it('returns [n, featureDim] features, [n·classes] logits and the argmax labels', () => {
    const net = lenet(tiny, 5);
    const out = classifierFeatures(net, images);
    expect([out.features.n, out.features.d, out.features.data.length, out.logits.length, out.labels.length]).toEqual([n, 4, n * 4, n * 3, n]);
    for (let k = 0; k < n; k++) {
      const row = Array.from(out.logits.subarray(3 * k, 3 * k + 3));
      expect(out.labels[k]).toBe(row.indexOf(Math.max(...row)));
    }
    expect(classifierAccuracy(net, { ...images, labels: out.labels })).toBe(1);
    net.dispose();
  });

  it('names images (size, count) and batchSize, and data.labels', () => {
    const net = lenet(tiny, 0);
    expect(() => classifierFeatures(net, { ...images, height: 16, width: 16, images: new Uint8Array(n * 256) })).toThrow(/images are 16×16×1, the classifier takes 8×8×1/);
    expect(() => classifierFeatures(net, { ...images, images: new Uint8Array(10) })).toThrow(/images.images has 10 values/);
    expect(() => classifierFeatures(net, { ...images, n: 0, images: new Uint8Array(0) })).toThrow(/images must hold at least one image/);
    expect(() => classifierFeatures(net, images, { batchSize: 0 })).toThrow(/batchSize must be an integer ≥ 1, got 0/);
    expect(() => classifierAccuracy(net, { ...images, labels: [0] })).toThrow(/data.labels has 1 entries, expected n = 7/);
    net.dispose();
  });
});
