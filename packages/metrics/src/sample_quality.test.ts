import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { replayableUniforms } from '@diffflow/sde-core';
import { loadEmbeddedMnist, resizeImages, seededPermutation, subsetImages, type ImageDataset } from '@diffflow/datasets';
import { classifierAccuracy } from './classifier_features.js';
import { lenet, type LeNet, type LeNetArchitecture } from './lenet.js';
import { fdLenet, fdReference, featureStats, sampleQuality } from './sample_quality.js';
import { trainClassifier } from './train_classifier.js';

/** A small LeNet at 16×16 (MNIST digits shrunk from 28×28), trained here in a few seconds. */
const small: LeNetArchitecture = { height: 16, width: 16, channels: 1, convChannels: [6, 12], kernel: 3, hidden: [48, 24], classes: 10 };

/** 3×3 box blur of 8-bit images (edges clamped). */
function blurred(ds: ImageDataset): ImageDataset {
  const { n, height: h, width: w } = ds;
  const out = new Uint8Array(ds.images.length);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) s += ds.images[k * h * w + Math.min(h - 1, Math.max(0, i + di)) * w + Math.min(w - 1, Math.max(0, j + dj))] as number;
        out[k * h * w + i * w + j] = Math.round(s / 9);
      }
    }
  }
  return { ...ds, images: out };
}

/** Uniform random bytes in place of the images (keyed). */
function noise(ds: ImageDataset): ImageDataset {
  const u = replayableUniforms(ds.images.length, { seed: 0, purpose: 'test/noise', iteration: 0, step: 0 });
  return { ...ds, images: Uint8Array.from(u, (v) => Math.floor(256 * v)) };
}

let classifier: LeNet;
let reference: ImageDataset;
let clean: ImageDataset;
let real: ImageDataset;

beforeAll(async () => {
  const loaded = await loadEmbeddedMnist()();
  if (E.isLeft(loaded)) throw new Error(loaded.left._tag);
  const all = resizeImages(loaded.right, { size: 16, pad: 'resize' });
  const order = seededPermutation(all.n, 11, 'test/split');
  const part = (from: number, to: number): ImageDataset => subsetImages(all, Array.from(order.subarray(from, to)).sort((a, b) => a - b));
  const train = part(0, 3000);
  reference = part(3000, 3400);
  clean = part(3400, 3800);
  real = part(0, 400);
  classifier = lenet(small, 0);
  trainClassifier(classifier, train, { epochs: 4, batchSize: 32, lr: 3e-3, seed: 0 });
});
afterAll(() => classifier.dispose());

describe('sampleQuality (FD-LeNet and class coverage)', () => {
  it('the classifier trained on 3,000 digits at 16×16 for 4 epochs classifies held-out digits (accuracy ≥ 0.85)', () => {
    expect(classifierAccuracy(classifier, clean)).toBeGreaterThanOrEqual(0.85);
  });

  it('ranks clean < blurred < noise images against held-out digits, tidy-clean', () => {
    const fd = (samples: ImageDataset): number => expectNoLeaks(() => sampleQuality(classifier, samples, reference)).fd;
    const [fClean, fBlur, fNoise] = [fd(clean), fd(blurred(clean)), fd(noise(clean))];
    expect(fClean).toBeLessThan(fBlur);
    expect(fBlur).toBeLessThan(fNoise);
    // well apart, not by a hair: a blur at 16×16 wipes out the strokes the features see
    expect(fBlur).toBeGreaterThan(2 * fClean);
  });

  it('covers every digit on clean held-out images (entropy near log 10), less on noise', () => {
    const q = sampleQuality(classifier, clean, reference);
    expect(q.coverage.allClassesPresent).toBe(true);
    expect(q.coverage.entropyFraction).toBeGreaterThan(0.95);
    expect(sampleQuality(classifier, noise(clean), reference).coverage.entropyFraction).toBeLessThan(q.coverage.entropyFraction);
    expect([q.samples, q.reference, q.featureDim]).toEqual([400, 400, 24]);
  });

  it('gives the same FD with the reference statistics computed once (featureStats)', () => {
    const stats = featureStats(classifier, reference).stats;
    expect(sampleQuality(classifier, clean, stats).fd).toBeCloseTo(sampleQuality(classifier, clean, reference).fd, 9);
  });

  it('names samples and reference when their image size is not the classifier’s', () => {
    const big = { ...clean, height: 32, width: 32, images: new Uint8Array(clean.n * 1024) };
    expect(() => sampleQuality(classifier, big, reference)).toThrow(/sampleQuality: samples are 32×32×1, the classifier takes 16×16×1/);
    expect(() => sampleQuality(classifier, clean, big)).toThrow(/sampleQuality: reference are 32×32×1/);
    expect(() => featureStats(classifier, { n: 1, height: 16, width: 16, channels: 1, images: clean.images.subarray(0, 256) })).toThrow(/featureStats: images must hold at least 2 images/);
  });

  it('fdLenet: the FD of sampleQuality beside the floor of real images, the reference computed once, tidy-clean', () => {
    const ref = expectNoLeaks(() => fdReference(classifier, reference, real));
    expect(ref.floorImages).toBe(400);
    expect(ref.floor).toBeCloseTo(sampleQuality(classifier, real, reference).fd, 9);
    expect(ref.floorCoverage).toEqual(sampleQuality(classifier, real, reference).coverage);
    const r = expectNoLeaks(() => fdLenet(classifier, noise(clean), ref));
    expect(r.fd).toBeCloseTo(sampleQuality(classifier, noise(clean), reference).fd, 9);
    expect([r.samples, r.heldOut, r.floor]).toEqual([400, 400, ref.floor]);
    expect(r.fd).toBeGreaterThan(r.floor);
    expect(() => fdReference(classifier, reference, { ...real, n: 1, images: real.images.subarray(0, 256) })).toThrow(/at least 2 images/);
  });
});
