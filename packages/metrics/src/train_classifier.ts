import * as tf from '@tensorflow/tfjs-core';
import { seededPermutation } from '@diffflow/datasets';
import { adam } from '@diffflow/training';
import { checkImagesFor, imageRows, type LabelledImages } from './images.js';
import type { LeNet } from './lenet.js';

/** How a classifier is trained. */
export interface ClassifierTrainingOptions {
  /** Passes over the training images (integer ≥ 1). */
  readonly epochs: number;
  /** Images per Adam step (default 64); the last batch of an epoch may be smaller. */
  readonly batchSize?: number;
  /** Adam's learning rate (default 1e-3). */
  readonly lr?: number;
  /** Seed of the batch order: epoch e visits the images in datasets' seededPermutation(n, seed, `epoch/e`). */
  readonly seed: number;
  /** Called after every epoch (e.g. to print progress or measure held-out accuracy). */
  readonly onEpoch?: (report: EpochReport) => void;
}

/** One finished epoch. */
export interface EpochReport {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** Mean cross-entropy (nats) over the epoch's batches, weighted by batch size. */
  readonly loss: number;
  /** Seconds the epoch took. */
  readonly seconds: number;
}

/** What {@link trainClassifier} did. */
export interface ClassifierTrainingResult {
  readonly epochs: readonly EpochReport[];
  /** Adam steps taken. */
  readonly steps: number;
  readonly seconds: number;
}

/**
 * Mean softmax cross-entropy −(1/B) Σ_k log softmax(logits_k)[y_k].
 * @param logits [B, classes]  @param labels [B] int32 class indices
 * @returns a scalar (nats)
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), tf.logSoftmax(logits)), 1))) as tf.Scalar);
}

/**
 * Trains a classifier in place by Adam (@diffflow/training's `adam`, explicit state) on the mean
 * softmax cross-entropy of its logits, `epochs` passes over `train` in keyed random orders: the same
 * (classifier seed, training seed, data) give the same weights. Tidy-clean: only the classifier's
 * variables change.
 *
 * @param train [n, H, W, C] images (bytes 0…255 or float32 in [−1, 1]) with [n] labels in 0 … classes − 1
 * @throws RangeError naming `train` (sizes, a label out of range) or the option out of range
 */
export function trainClassifier(classifier: LeNet, train: LabelledImages, options: ClassifierTrainingOptions): ClassifierTrainingResult {
  const { epochs, seed } = options;
  const batchSize = options.batchSize ?? 64;
  const lr = options.lr ?? 1e-3;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`trainClassifier: epochs must be an integer ≥ 1, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`trainClassifier: batchSize must be an integer ≥ 1, got ${batchSize}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`trainClassifier: lr must be a finite number > 0, got ${lr}`);
  if (!Number.isInteger(seed)) throw new RangeError(`trainClassifier: seed must be an integer, got ${seed}`);
  checkImagesFor(classifier.architecture, train, 'train', 'trainClassifier');
  const classes = classifier.architecture.classes;
  if (train.labels.length !== train.n) throw new RangeError(`trainClassifier: train.labels has ${train.labels.length} entries, expected n = ${train.n}`);
  for (let k = 0; k < train.n; k++) {
    const y = train.labels[k] as number;
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new RangeError(`trainClassifier: train.labels[${k}] = ${y} is outside 0 … ${classes - 1}`);
  }
  const variables = classifier.parameters.map((p) => p.variable);
  const optimizer = adam(variables);
  const reports: EpochReport[] = [];
  const started = performance.now();
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const epochStart = performance.now();
      const order = seededPermutation(train.n, seed, `epoch/${epoch}`);
      let total = 0;
      for (let start = 0; start < train.n; start += batchSize) {
        const rows = order.subarray(start, Math.min(start + batchSize, train.n));
        const labels = new Int32Array(rows.length);
        for (let k = 0; k < rows.length; k++) labels[k] = train.labels[rows[k] as number] as number;
        const loss = tf.tidy(() => {
          const x = imageRows(train, rows);
          const y = tf.tensor1d(labels, 'int32');
          const { value, grads } = tf.variableGrads(() => crossEntropy(classifier.forward(x).logits, y), variables);
          optimizer.apply(grads, lr);
          return value.dataSync()[0] as number;
        });
        if (!Number.isFinite(loss)) throw new RangeError(`trainClassifier: the cross-entropy became ${loss} in epoch ${epoch} (lower lr, now ${lr})`);
        total += loss * rows.length;
      }
      const report = { epoch, loss: total / train.n, seconds: (performance.now() - epochStart) / 1000 };
      reports.push(report);
      options.onEpoch?.(report);
    }
  } finally {
    optimizer.dispose();
  }
  return { epochs: reports, steps: optimizer.step, seconds: (performance.now() - started) / 1000 };
}
