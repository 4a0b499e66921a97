import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { classifierFeatures } from './classifier_features.js';
import { CLASSIFIER_FILES, formatClassifierFileError, loadClassifier, saveClassifier, type ClassifierFileError } from './classifier_file.js';
import { lenet, type LeNetArchitecture } from './lenet.js';

const tiny: LeNetArchitecture = { height: 8, width: 8, channels: 1, convChannels: [2, 3], kernel: 3, hidden: [5, 4], classes: 3 };
const images = { images: Uint8Array.from({ length: 5 * 64 }, (_, i) => (i * 53) % 256), n: 5, height: 8, width: 8, channels: 1 };
const root = mkdtempSync(join(tmpdir(), 'metrics-classifier-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function saved(name: string): Promise<string> {
  const dir = join(root, name);
  const net = lenet(tiny, 9);
  const w = await saveClassifier(dir, net, { data: 'test', heldOutAccuracy: 0.5 })();
  net.dispose();
  expect(E.isRight(w)).toBe(true);
  return dir;
}

async function loadError(dir: string): Promise<ClassifierFileError> {
  const before = tf.memory().numTensors;
  const r = await loadClassifier(dir, 'run the test')();
  expect(tf.memory().numTensors, 'a failed load keeps no variable').toBe(before);
  if (E.isRight(r)) throw new Error('expected an error');
  return r.left;
}

describe('saveClassifier / loadClassifier', () => {
  it('round-trips the weights (the same features bit for bit) and the info', async () => {
    const dir = await saved('roundtrip');
    const original = lenet(tiny, 9);
    const r = await loadClassifier(dir)();
    if (E.isLeft(r)) throw new Error(formatClassifierFileError(r.left));
    expect(r.right.info).toEqual({ data: 'test', heldOutAccuracy: 0.5 });
    expect(r.right.classifier.architecture).toEqual(tiny);
    expect(Array.from(classifierFeatures(r.right.classifier, images).features.data)).toEqual(Array.from(classifierFeatures(original, images).features.data));
    const meta = JSON.parse(readFileSync(join(dir, CLASSIFIER_FILES.meta), 'utf8'));
    expect([meta.format, meta.version]).toEqual(['diffflow-lenet', 1]);
    r.right.classifier.dispose();
    original.dispose();
  });

  it('a missing folder is ClassifierFileMissing naming lenet.json and the hint', async () => {
    const e = await loadError(join(root, 'nothing'));
    expect(e._tag).toBe('ClassifierFileMissing');
    expect(formatClassifierFileError(e)).toMatch(/classifier file not found: .*nothing\/lenet.json \(run the test\)/);
  });

  it('a bad lenet.json (not JSON, another format, another version, a changed shape) names lenet.json', async () => {
    const dir = await saved('bad-meta');
    const path = join(dir, CLASSIFIER_FILES.meta);
    const good = readFileSync(path, 'utf8');
    const cases: [string, RegExp][] = [
      ['{ not json', /not JSON/],
      [good.replace('"diffflow-lenet"', '"other"'), /format must be 'diffflow-lenet'/],
      [good.replace('"version": 1', '"version": 2'), /version 2 is not the version this code reads \(1\); retrain/],
      [good.replace('"kernel": 3', '"kernel": 4'), /architecture: .*kernel must be odd/],
      [good.replace('"name": "conv1.bias"', '"name": "conv1.b"'), /parameter 1 is .*conv1.b.*the architecture's is \{ name: 'conv1.bias'/],
    ];
    for (const [text, reason] of cases) {
      writeFileSync(path, text);
      const e = await loadError(dir);
      expect(e._tag).toBe('ClassifierFileMalformed');
      expect(formatClassifierFileError(e)).toMatch(new RegExp(`bad classifier file .*bad-meta/lenet.json: `));
      expect(formatClassifierFileError(e)).toMatch(reason);
    }
  });

  it('truncated or mismatched weights.npy names weights.npy', async () => {
    const dir = await saved('bad-weights');
    const path = join(dir, CLASSIFIER_FILES.weights);
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, good.length - 8));
    expect(formatClassifierFileError(await loadError(dir))).toMatch(/bad classifier file .*bad-weights\/weights.npy: .*truncated/);
    writeFileSync(path, Buffer.from('not an npy file at all, just text'));
    expect(formatClassifierFileError(await loadError(dir))).toMatch(/bad classifier file .*weights.npy/);
    // a valid .npy of the wrong length: the architecture in lenet.json disagrees
    const other = join(root, 'other');
    const net = lenet({ ...tiny, hidden: [6, 4] }, 0);
    await saveClassifier(other, net, {})();
    net.dispose();
    writeFileSync(path, readFileSync(join(other, CLASSIFIER_FILES.weights)));
    expect(formatClassifierFileError(await loadError(dir))).toMatch(/weights.npy: holds \d+ values, the architecture in .*lenet.json has \d+ parameters/);
  });
});
