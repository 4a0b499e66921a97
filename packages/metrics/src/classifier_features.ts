import * as tf from '@tensorflow/tfjs-core';
import type { FeatureMatrix } from './gaussian_stats.js';
import { checkImagesFor, imageBatch, imageCount, type ImagesInput, type LabelledImages } from './images.js';
import type { LeNet } from './lenet.js';

/** A classifier's view of n images. */
export interface ClassifierOutputs {
  /** Penultimate-layer activations, [n, featureDim] (float32). */
  readonly features: FeatureMatrix;
  /** Class scores, [n, classes] row-major. */
  readonly logits: Float32Array;
  /** Predicted classes argmax_c logits[k, c], [n]. */
  readonly labels: Int32Array;
}

/** Batch size of the classifier's passes (images at once). */
export interface BatchOptions {
  /** Images per forward pass (default 256). */
  readonly batchSize?: number;
}

function batchSizeOf(options: BatchOptions, caller: string): number {
  const b = options.batchSize ?? 256;
  if (!Number.isInteger(b) || b < 1) throw new RangeError(`${caller}: batchSize must be an integer ≥ 1, got ${b}`);
  return b;
}

/**
 * The classifier's features, logits and predicted labels for n images, computed `batchSize` at a
 * time and read back into plain arrays (tidy-clean: no tensor outlives the call).
 *
 * @param classifier a trained {@link LeNet}
 * @param images [n, H, W, C], the classifier's H, W, C: bytes 0…255, float32 in [−1, 1], or a tensor in [−1, 1]
 * @returns features [n, featureDim], logits [n·classes], labels [n]
 * @throws RangeError naming `images` (size) or `batchSize`
 */
export function classifierFeatures(classifier: LeNet, images: ImagesInput, options: BatchOptions = {}): ClassifierOutputs {
  const batch = batchSizeOf(options, 'classifierFeatures');
  checkImagesFor(classifier.architecture, images, 'images', 'classifierFeatures');
  const n = imageCount(images);
  const d = classifier.featureDim;
  const classes = classifier.architecture.classes;
  const features = new Float32Array(n * d);
  const logits = new Float32Array(n * classes);
  const labels = new Int32Array(n);
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const [f, l, a] = tf.tidy(() => {
      const out = classifier.forward(imageBatch(images, start, count));
      return [out.features.dataSync(), out.logits.dataSync(), tf.argMax(out.logits, 1).dataSync()] as const;
    });
    features.set(f as Float32Array, start * d);
    logits.set(l as Float32Array, start * classes);
    labels.set(a as Int32Array, start);
  }
  return { features: { data: features, n, d }, logits, labels };
}

/**
 * The fraction of images whose predicted class (argmax of the logits) equals their label.
 * @param data [n, H, W, C] images and their [n] labels
 * @returns accuracy ∈ [0, 1]
 * @throws RangeError naming `data` (sizes, label count)
 */
export function classifierAccuracy(classifier: LeNet, data: LabelledImages, options: BatchOptions = {}): number {
  if (data.labels.length !== data.n) throw new RangeError(`classifierAccuracy: data.labels has ${data.labels.length} entries, expected n = ${data.n}`);
  const { labels } = classifierFeatures(classifier, data, options);
  let right = 0;
  for (let k = 0; k < data.n; k++) if (labels[k] === data.labels[k]) right++;
  return right / data.n;
}
