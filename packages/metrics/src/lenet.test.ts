import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { checkArchitecture, lenet, lenetArchitecture, lenetPresets, type LeNetArchitecture } from './lenet.js';

const tiny: LeNetArchitecture = { height: 8, width: 8, channels: 1, convChannels: [2, 3], kernel: 3, hidden: [5, 4], classes: 3 };

describe('lenet', () => {
  it('has LeNet-5 widths at 32×32: 136,586 parameters (156 + 2,416 + 123,000 + 10,164 + 850), 84 features', () => {
    const net = lenet(lenetPresets.mnist32, 0);
    expect(net.parameterCount).toBe(156 + 2416 + 123_000 + 10_164 + 850);
    expect(net.featureDim).toBe(84);
    expect(net.parameters.map((p) => p.name)).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'out.weight', 'out.bias']);
    net.dispose();
  });

  it('maps [B, H, W, C] to features [B, h2] ≥ 0 (after ReLU) and logits [B, classes], tidy-clean', () => {
    const net = lenet(tiny, 1);
    const x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
    const out = expectNoLeaks(() => {
      const { features, logits } = net.forward(x);
      return { features, logits, shapes: [features.shape, logits.shape], min: Math.min(...features.dataSync()) };
    });
    expect(out.shapes).toEqual([[2, 4], [2, 3]]);
    expect(out.min).toBeGreaterThanOrEqual(0);
    x.dispose();
    net.dispose();
  });

  it('draws the same weights from the same seed, other weights from another, Glorot-bounded', () => {
    const [a, b, c] = [lenet(tiny, 3), lenet(tiny, 3), lenet(tiny, 4)];
    const w = (n: typeof a): number[] => Array.from(n.parameters[0]!.variable.dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    const bound = Math.sqrt(6 / (9 * 1 + 9 * 2));
    expect(Math.max(...w(a).map(Math.abs))).toBeLessThanOrEqual(bound);
    for (const n of [a, b, c]) n.dispose();
  });

  it('frees its variables on dispose', () => {
    const before = tf.memory().numTensors;
    lenet(tiny, 0).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names x when the image size is not its own, and the architecture field out of range', () => {
    const net = lenet(tiny, 0);
    const x = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
    expect(() => net.forward(x)).toThrow(/x must be \[B, 8, 8, 1\].*got \[1, 16, 16, 1\]/);
    x.dispose();
    net.dispose();
    expect(() => checkArchitecture({ ...tiny, height: 10 })).toThrow(/height must be divisible by 4/);
    expect(() => checkArchitecture({ ...tiny, kernel: 4 })).toThrow(/kernel must be odd/);
    expect(() => checkArchitecture({ ...tiny, hidden: [5, 0] })).toThrow(/hidden\[1\] must be an integer ≥ 1/);
    expect(() => checkArchitecture({ ...tiny, classes: 1 })).toThrow(/classes must be ≥ 2/);
    expect(() => lenetArchitecture({ height: 28, width: 30, channels: 1 })).toThrow(/width must be divisible by 4/);
    expect(() => lenet(tiny, 0.5)).toThrow(/seed must be an integer/);
  });
});
