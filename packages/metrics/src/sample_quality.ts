import * as tf from '@tensorflow/tfjs-core';
import { classifierFeatures, type BatchOptions } from './classifier_features.js';
import { classCoverage, type ClassCoverage } from './coverage.js';
import { frechetDistance } from './frechet.js';
import { gaussianStats, type GaussianStats } from './gaussian_stats.js';
import { checkImagesFor, type ImagesInput } from './images.js';
import type { LeNet } from './lenet.js';

/** The Gaussian of a set's classifier features and the coverage of its predicted classes. */
export interface FeatureStats {
  readonly stats: GaussianStats;
  readonly coverage: ClassCoverage;
}

/**
 * The statistics FD-LeNet compares, for one set of images: the mean and covariance of the
 * classifier's penultimate features (float64) and the coverage of its predicted classes. Compute a
 * reference set's once and pass `stats` to {@link sampleQuality} for every sample set.
 *
 * @param images [n, H, W, C], n ≥ 2 (bytes 0…255, float32 in [−1, 1], or a tensor in [−1, 1])
 * @throws RangeError naming `images` (size, fewer than 2 images) or `batchSize`
 */
export function featureStats(classifier: LeNet, images: ImagesInput, options: BatchOptions = {}): FeatureStats {
  const out = classifierFeatures(classifier, images, options);
  if (out.features.n < 2) throw new RangeError(`featureStats: images must hold at least 2 images (a covariance), got ${out.features.n}`);
  return { stats: gaussianStats(out.features), coverage: classCoverage(out.labels, classifier.architecture.classes) };
}

/** FD-LeNet and class coverage of a set of samples. */
export interface SampleQuality {
  /** Fréchet distance² between the samples' and the reference's feature Gaussians (lower is better, 0 = same statistics). */
  readonly fd: number;
  /** Coverage of the classes the classifier predicts for the samples. */
  readonly coverage: ClassCoverage;
  /** Samples and reference images the statistics were taken over (FD is biased upwards at small n: compare at equal n). */
  readonly samples: number;
  readonly reference: number;
  /** Dimension of the features. */
  readonly featureDim: number;
}

/**
 * Sample quality in one call: FD-LeNet — the Fréchet distance between the Gaussians of the
 * classifier's penultimate-layer features of `samples` and of `reference` (see {@link frechetDistance})
 * — and the class coverage of the samples' predicted labels. This is **not** FID: the features are
 * a small LeNet's trained on the data set itself, not Inception-v3's, and its values are not
 * comparable to published FIDs.
 *
 * @param samples [n, H, W, C] generated images, n ≥ 2 (bytes 0…255, float32 in [−1, 1], or a tensor in [−1, 1])
 * @param reference held-out images of the same layout, or their {@link featureStats}`.stats`
 * @throws RangeError naming `samples`, `reference` or `batchSize`
 */
export function sampleQuality(classifier: LeNet, samples: ImagesInput, reference: ImagesInput | GaussianStats, options: BatchOptions = {}): SampleQuality {
  checkImagesFor(classifier.architecture, samples, 'samples', 'sampleQuality');
  if (!isStats(reference)) checkImagesFor(classifier.architecture, reference, 'reference', 'sampleQuality');
  const s = featureStats(classifier, samples, options);
  const r = isStats(reference) ? reference : featureStats(classifier, reference, options).stats;
  if (r.d !== classifier.featureDim) throw new RangeError(`sampleQuality: reference statistics have d = ${r.d}, the classifier's features d = ${classifier.featureDim}`);
  return { fd: frechetDistance(s.stats, r), coverage: s.coverage, samples: s.stats.n, reference: r.n, featureDim: r.d };
}

/** The sentence every FD-LeNet printout and summary carries. */
export const FD_LENET_NOTE = "FD-LeNet: Fréchet distance between LeNet penultimate-layer features (a classifier trained on this data set's training split); it is not the paper's Inception FID and not comparable to it";

/** The held-out side of FD-LeNet, computed once, with its floor (see {@link fdReference}). */
export interface FdReference {
  /** Feature statistics of the held-out images. */
  readonly heldOut: GaussianStats;
  /** FD of the real (training) images against the held-out ones: what perfect samples of that count score. */
  readonly floor: number;
  /** Class coverage of the real images (what the classifier predicts on real data). */
  readonly floorCoverage: ClassCoverage;
  /** Real images the floor was taken over. */
  readonly floorImages: number;
}

/**
 * The reference of FD-LeNet: the feature statistics of the held-out images, and the floor — the FD
 * of `real` images (training images never held out, as many as the samples to be scored: FD is
 * biased upwards at small n) against them. Tidy-clean.
 *
 * @param heldOut [m, H, W, C], m ≥ 2  @param real [k, H, W, C], k ≥ 2
 * @throws RangeError naming `heldOut` or `real` (size, fewer than 2 images)
 */
export function fdReference(classifier: LeNet, heldOut: ImagesInput, real: ImagesInput): FdReference {
  checkImagesFor(classifier.architecture, heldOut, 'heldOut', 'fdReference');
  checkImagesFor(classifier.architecture, real, 'real', 'fdReference');
  const stats = featureStats(classifier, heldOut).stats;
  const r = featureStats(classifier, real);
  return { heldOut: stats, floor: frechetDistance(r.stats, stats), floorCoverage: r.coverage, floorImages: r.stats.n };
}

/** FD-LeNet of a sample set against the held-out images, with its floor. */
export interface FdLenetReport {
  /** FD between the samples' and the held-out images' features. */
  readonly fd: number;
  /** The reference's floor ({@link FdReference}). */
  readonly floor: number;
  readonly samples: number;
  readonly heldOut: number;
  /** Coverage of the classes predicted for the samples. */
  readonly coverage: ClassCoverage;
  /** Coverage of the floor's real images. */
  readonly floorCoverage: ClassCoverage;
}

/**
 * FD-LeNet and class coverage of `samples` ([n, H, W, C], n ≥ 2) against a {@link fdReference},
 * beside the reference's floor. Tidy-clean.
 * @throws RangeError naming `samples`
 */
export function fdLenet(classifier: LeNet, samples: ImagesInput, reference: FdReference): FdLenetReport {
  const q = sampleQuality(classifier, samples, reference.heldOut);
  return { fd: q.fd, floor: reference.floor, samples: q.samples, heldOut: q.reference, coverage: q.coverage, floorCoverage: reference.floorCoverage };
}

function isStats(x: ImagesInput | GaussianStats): x is GaussianStats {
  return !(x instanceof tf.Tensor) && 'covariance' in x;
}
