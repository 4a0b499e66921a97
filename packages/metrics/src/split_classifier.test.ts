import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { seededImages, type ImageDataset, type ImageSplitOptions } from '@diffflow/datasets';
import { expectNoLeaks } from '@diffflow/test-utils';
import { classifierFeatures } from './classifier_features.js';
import { formatClassifierFileError, saveClassifier } from './classifier_file.js';
import { lenet, type LeNet, type LeNetArchitecture } from './lenet.js';
import { fdReference } from './sample_quality.js';
import { loadSplitClassifier, splitReference, trainSplitClassifier } from './split_classifier.js';

const tiny: LeNetArchitecture = { height: 8, width: 8, channels: 1, convChannels: [2, 3], kernel: 3, hidden: [5, 4], classes: 3 };
/** n 8×8 images whose class k ∈ {0, 1, 2} sets their brightness (learnable in one epoch). */
const images = (n: number, offset: number): ImageDataset => {
  const labels = Uint8Array.from({ length: n }, (_, i) => (i + offset) % 3);
  return { images: Uint8Array.from({ length: n * 64 }, (_, p) => 40 + 80 * (labels[Math.floor(p / 64)] as number) + ((p * 37) % 20)), labels, n, height: 8, width: 8, channels: 1 };
};
const splits = { train: images(30, 0), heldOut: images(9, 1) };
const split: ImageSplitOptions = { data: 'idx', dataDir: '/data', size: 8, fit: 'auto', heldOut: 9, seed: 4 };
const training = { epochs: 2, batchSize: 10, lr: 1e-2, purpose: 'the test' };
/** The classifier of the split, trained. */
const trained = (): { classifier: LeNet; report: ReturnType<typeof trainSplitClassifier> } => {
  const classifier = lenet(tiny, split.seed);
  return { classifier, report: trainSplitClassifier(classifier, splits, split, training) };
};
const root = mkdtempSync(join(tmpdir(), 'metrics-split-classifier-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('trainSplitClassifier / loadSplitClassifier: the classifier of an image split', () => {
  it('trains on the training images, measures both accuracies and stores the split; leak-free', () => {
    const { report } = expectNoLeaks(() => {
      const t = trained();
      t.classifier.dispose();
      return t;
    });
    expect(report.info).toMatchObject({ purpose: 'the test', split, trainImages: 30, heldOutImages: 9, epochs: 2, batchSize: 10, lr: 1e-2 });
    expect(report.info['losses']).toHaveLength(2);
    for (const a of [report.heldOutAccuracy, report.trainAccuracy]) expect(a >= 0 && a <= 1).toBe(true);
    expect([report.info['heldOutAccuracy'], report.info['trainAccuracy'], report.info['trainSeconds']]).toEqual([report.heldOutAccuracy, report.trainAccuracy, report.seconds]);
    // seeded: the same split trains the same classifier
    const again = trained();
    again.classifier.dispose();
    expect(again.report.info['losses']).toEqual(report.info['losses']);
    // a bad setting is trainClassifier's RangeError, with nothing kept
    const net = lenet(tiny, 0);
    expectNoLeaks(() => {
      expect(() => trainSplitClassifier(net, splits, split, { ...training, epochs: 0 })).toThrow(/epochs must be an integer ≥ 1/);
    });
    net.dispose();
  });

  it('loads a classifier of the same split (dataDir may differ); refuses another split, naming lenet.json, keeping nothing', async () => {
    const dir = join(root, 'a');
    const { classifier, report } = trained();
    const saved = await saveClassifier(dir, classifier, report.info)();
    expect(E.isRight(saved)).toBe(true);
    const loaded = await loadSplitClassifier(dir, { ...split, dataDir: '/elsewhere' }, 'make-it')();
    if (E.isLeft(loaded)) throw new Error(formatClassifierFileError(loaded.left));
    const x = splits.heldOut;
    expect(Array.from(classifierFeatures(loaded.right.classifier, x).labels)).toEqual(Array.from(classifierFeatures(classifier, x).labels));
    loaded.right.classifier.dispose();
    classifier.dispose();

    const before = tf.memory().numTensors;
    const other = await loadSplitClassifier(dir, { ...split, seed: 5 }, 'npx make --seed=5')();
    expect(tf.memory().numTensors).toBe(before);
    expect(E.isLeft(other) && formatClassifierFileError(other.left)).toBe(
      `bad classifier file ${join(dir, 'lenet.json')}: the classifier was trained on the split data=idx size=8 fit=auto heldOut=9 seed=4, ` +
        "the run uses data=idx size=8 fit=auto heldOut=9 seed=5 (it may have seen the run's held-out images); make one with: npx make --seed=5",
    );
    const missing = await loadSplitClassifier(join(root, 'none'), split, 'npx make')();
    expect(E.isLeft(missing) && formatClassifierFileError(missing.left)).toMatch(/^classifier file not found: .*none\/lenet\.json \(make it with: npx make\)$/);
  });

  it("splitReference is fdReference of the held-out images against seeded training images (key 'fd/floor')", () => {
    const { classifier } = trained();
    const ref = expectNoLeaks(() => splitReference(classifier, splits, 12, 4));
    const direct = fdReference(classifier, splits.heldOut, seededImages(splits.train, 12, 4, 'fd/floor'));
    classifier.dispose();
    expect(ref).toEqual(direct);
    expect(ref.floorImages).toBe(12);
  });
});
