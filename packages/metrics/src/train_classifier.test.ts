import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { replayableUniforms } from '@diffflow/sde-core';
import { classifierAccuracy } from './classifier_features.js';
import { lenet, type LeNetArchitecture } from './lenet.js';
import { crossEntropy, trainClassifier } from './train_classifier.js';

const tiny: LeNetArchitecture = { height: 8, width: 8, channels: 1, convChannels: [4, 6], kernel: 3, hidden: [16, 8], classes: 3 };

/** n noisy 8×8 images of three patterns: bright top half (0), bright left half (1), bright diagonal band (2). */
function patterns(n: number, seed: number) {
  const u = replayableUniforms(n * 64, { seed, purpose: 'test/patterns', iteration: 0, step: 0 });
  const images = new Uint8Array(n * 64);
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const y = k % 3;
    labels[k] = y;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const on = y === 0 ? i < 4 : y === 1 ? j < 4 : Math.abs(i - j) <= 1;
        images[k * 64 + i * 8 + j] = Math.round((on ? 160 : 0) + 95 * (u[k * 64 + i * 8 + j] as number));
      }
    }
  }
  return { images, labels, n, height: 8, width: 8, channels: 1 };
}

describe('crossEntropy', () => {
  it('is −mean log softmax(logits)[y]', () => {
    const logits = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
    const labels = tf.tensor1d([2, 1], 'int32');
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const value = crossEntropy(logits, labels);
    expect(value.dataSync()[0]).toBeCloseTo(((lse - 3) + Math.log(3)) / 2, 5);
    tf.dispose([logits, labels, value]);
  });
});

describe('trainClassifier', () => {
  it('learns three patterns (loss falls, held-out accuracy ≥ 0.9), tidy-clean, the same weights from the same seeds', () => {
    const train = patterns(96, 0);
    const test = patterns(30, 1);
    const run = () => {
      const net = lenet(tiny, 0);
      const before = tf.memory().numTensors;
      const result = trainClassifier(net, train, { epochs: 6, batchSize: 16, lr: 1e-2, seed: 3 });
      expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
      return { net, result };
    };
    const a = run();
    const b = run();
    const losses = a.result.epochs.map((e) => e.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]! / 2);
    expect(a.result.steps).toBe(6 * 6);
    expect(classifierAccuracy(a.net, test)).toBeGreaterThanOrEqual(0.9);
    for (let i = 0; i < a.net.parameters.length; i++) expect(Array.from(a.net.parameters[i]!.variable.dataSync())).toEqual(Array.from(b.net.parameters[i]!.variable.dataSync()));
    a.net.dispose();
    b.net.dispose();
  });

  it('reports each epoch to onEpoch', () => {
    const net = lenet(tiny, 0);
    const seen: number[] = [];
    trainClassifier(net, patterns(9, 0), { epochs: 2, batchSize: 4, seed: 0, onEpoch: (e) => seen.push(e.epoch) });
    expect(seen).toEqual([0, 1]);
    net.dispose();
  });

  it('names train (sizes, a label out of range) and each option out of range', () => {
    const net = lenet(tiny, 0);
    const data = patterns(6, 0);
    expect(() => trainClassifier(net, { ...data, labels: Uint8Array.from([0, 1, 2, 3, 0, 1]) }, { epochs: 1, seed: 0 })).toThrow(/train.labels\[3\] = 3 is outside 0 … 2/);
    expect(() => trainClassifier(net, { ...data, labels: new Uint8Array(2) }, { epochs: 1, seed: 0 })).toThrow(/train.labels has 2 entries, expected n = 6/);
    expect(() => trainClassifier(net, { ...data, height: 4, width: 4, images: new Uint8Array(96) }, { epochs: 1, seed: 0 })).toThrow(/train are 4×4×1, the classifier takes 8×8×1/);
    expect(() => trainClassifier(net, data, { epochs: 0, seed: 0 })).toThrow(/epochs must be an integer ≥ 1, got 0/);
    expect(() => trainClassifier(net, data, { epochs: 1, seed: 0, batchSize: 1.5 })).toThrow(/batchSize must be an integer ≥ 1/);
    expect(() => trainClassifier(net, data, { epochs: 1, seed: 0, lr: -1 })).toThrow(/lr must be a finite number > 0/);
    net.dispose();
  });
});
