/**
 * The classifier of an image split (datasets' `loadImageSplits`): a LeNet trained on the split's
 * training images only and stored with the split it was trained on, so that FD-LeNet of a model
 * trained on the same split never scores it with a classifier that saw the held-out images. Loading
 * checks the stored split ({@link loadSplitClassifier}); the FD reference of a split is its
 * held-out images with a floor of seeded training images ({@link splitReference}).
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { join } from 'node:path';
import { seededImages, type ImageSplitOptions, type ImageSplits } from '@diffflow/datasets';
import { CLASSIFIER_FILES, loadClassifier, type ClassifierFileError, type LoadedClassifier } from './classifier_file.js';
import { classifierAccuracy } from './classifier_features.js';
import type { LeNet } from './lenet.js';
import { fdReference, type FdReference } from './sample_quality.js';
import { trainClassifier, type EpochReport } from './train_classifier.js';

/** The split fields a classifier and its user must agree on (`dataDir` may differ: the same files can lie elsewhere). */
export const CLASSIFIER_SPLIT_FIELDS = ['data', 'size', 'fit', 'heldOut', 'seed'] as const;

/** How {@link trainSplitClassifier} trains. */
export interface SplitClassifierTraining {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  /** What the classifier is for, stored as the info's `purpose`. */
  readonly purpose: string;
  /** Called after each epoch (e.g. to log its loss). */
  readonly onEpoch?: (report: EpochReport) => void;
}

/** What {@link trainSplitClassifier} measured, and the info the classifier's artifact stores. */
export interface SplitClassifierReport {
  readonly heldOutAccuracy: number;
  /** Accuracy on as many seeded training images as are held out. */
  readonly trainAccuracy: number;
  readonly seconds: number;
  /** `purpose`, `split`, `trainImages`, `heldOutImages`, both accuracies, the training settings, the losses per epoch and `trainSeconds`: for `saveClassifier`. */
  readonly info: Readonly<Record<string, unknown>>;
}

/**
 * Trains `classifier` (e.g. `lenet(lenetArchitecture(image shape), split.seed)`) on `splits.train`,
 * batches in the order seeded by `split.seed`, and measures its accuracy on `splits.heldOut` and on
 * as many seeded training images (key (split.seed, 'classifier/train-accuracy')).
 * @param split the split `splits` was loaded as (stored in the info)
 * @throws RangeError from `trainClassifier` (settings, images, a diverging loss)
 */
export function trainSplitClassifier(classifier: LeNet, splits: ImageSplits, split: ImageSplitOptions, options: SplitClassifierTraining): SplitClassifierReport {
  const { train, heldOut } = splits;
  const { epochs, batchSize, lr } = options;
  const result = trainClassifier(classifier, train, { epochs, batchSize, lr, seed: split.seed, ...(options.onEpoch === undefined ? {} : { onEpoch: options.onEpoch }) });
  const heldOutAccuracy = classifierAccuracy(classifier, heldOut);
  const trainAccuracy = classifierAccuracy(classifier, seededImages(train, heldOut.n, split.seed, 'classifier/train-accuracy'));
  const info = {
    purpose: options.purpose,
    split: { data: split.data, dataDir: split.dataDir, size: split.size, fit: split.fit, heldOut: split.heldOut, seed: split.seed },
    trainImages: train.n,
    heldOutImages: heldOut.n,
    heldOutAccuracy,
    trainAccuracy,
    epochs,
    batchSize,
    lr,
    losses: result.epochs.map((e) => e.loss),
    trainSeconds: result.seconds,
  };
  return { heldOutAccuracy, trainAccuracy, seconds: result.seconds, info };
}

/**
 * Loads the classifier in `dir` and checks it was trained on `split` (the {@link CLASSIFIER_SPLIT_FIELDS}
 * its info stores) at the split's image size — so it never saw the split's held-out images.
 * @param makeIt the command that makes the split's classifier, for the errors' hints
 * @returns the classifier (the caller disposes it) and its info; a missing file, a bad one or a
 *   classifier of another split is an error naming the file (nothing kept)
 */
export function loadSplitClassifier(dir: string, split: ImageSplitOptions, makeIt: string): TE.TaskEither<ClassifierFileError, LoadedClassifier> {
  return pipe(
    loadClassifier(dir, `make it with: ${makeIt}`),
    TE.chain((loaded) => {
      const s = loaded.info['split'];
      const stored: Record<string, unknown> = typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
      const differing = CLASSIFIER_SPLIT_FIELDS.some((k) => stored[k] !== split[k]);
      const arch = loaded.classifier.architecture;
      if (!differing && arch.height === split.size && arch.width === split.size) return TE.right(loaded);
      loaded.classifier.dispose();
      const show = (o: Partial<Record<(typeof CLASSIFIER_SPLIT_FIELDS)[number], unknown>>): string => CLASSIFIER_SPLIT_FIELDS.map((k) => `${k}=${String(o[k])}`).join(' ');
      const reason = `the classifier was trained on the split ${show(stored)}, the run uses ${show(split)} (it may have seen the run's held-out images); make one with: ${makeIt}`;
      return TE.left({ _tag: 'ClassifierFileMalformed', path: join(dir, CLASSIFIER_FILES.meta), reason });
    }),
  );
}

/**
 * FD-LeNet's reference on a split (`fdReference`): its held-out images, and the floor over `count`
 * training images (a seeded subset keyed (seed, 'fd/floor')). Tidy-clean.
 */
export function splitReference(classifier: LeNet, splits: ImageSplits, count: number, seed: number): FdReference {
  return fdReference(classifier, splits.heldOut, seededImages(splits.train, count, seed, 'fd/floor'));
}
