/**
 * Sample quality of generated images: a LeNet-style classifier on tfjs-core, the Fréchet distance of its features (FD-LeNet, float64) and class coverage.
 * @module @diffflow/metrics
 */
/**
 * @diffflow/metrics: sample quality of generated images — a LeNet-style classifier on tfjs-core
 * (trained by the project, saved as a versioned artifact), the Fréchet distance between the
 * Gaussians of its penultimate-layer features ("FD-LeNet", float64) and class coverage.
 * FD-LeNet is not Inception FID: its values are not comparable to published FIDs. For point sets
 * (2-D and tabular samples): two-sample statistics (MMD², energy distance) and neighbour purity.
 */
export { gaussianStats } from './gaussian_stats.js';
export type { FeatureMatrix, GaussianStats } from './gaussian_stats.js';
export { frechetDistance } from './frechet.js';
export { lenet, lenetArchitecture, lenetPresets, checkArchitecture } from './lenet.js';
export type { LeNet, LeNetArchitecture, LeNetOutput } from './lenet.js';
export { imageBatch, imageRows, imageCount, checkImagesFor } from './images.js';
export type { ClassifierImages, LabelledImages, ImagesInput } from './images.js';
export { trainClassifier, crossEntropy } from './train_classifier.js';
export type { ClassifierTrainingOptions, ClassifierTrainingResult, EpochReport } from './train_classifier.js';
export { classifierFeatures, classifierAccuracy } from './classifier_features.js';
export type { ClassifierOutputs, BatchOptions } from './classifier_features.js';
export {
  CLASSIFIER_FORMAT,
  CLASSIFIER_FORMAT_VERSION,
  CLASSIFIER_FILES,
  encodeClassifier,
  decodeClassifier,
  saveClassifier,
  loadClassifier,
  formatClassifierFileError,
} from './classifier_file.js';
export type { ClassifierInfo, ClassifierFileError, ClassifierFileMissing, ClassifierFileMalformed, LoadedClassifier } from './classifier_file.js';
export { classCoverage } from './coverage.js';
export type { ClassCoverage } from './coverage.js';
export { featureStats, sampleQuality, fdReference, fdLenet, FD_LENET_NOTE } from './sample_quality.js';
export { twoSample, energyDistance, mmdRbf, medianPairwiseDistance, neighbourPurity, chancePurity } from './point_statistics.js';
export type { TwoSample } from './point_statistics.js';
export { CLASSIFIER_SPLIT_FIELDS, trainSplitClassifier, loadSplitClassifier, splitReference } from './split_classifier.js';
export type { SplitClassifierTraining, SplitClassifierReport } from './split_classifier.js';
export { finiteRows } from './finite_rows.js';
export type { FiniteRows } from './finite_rows.js';
export type { FeatureStats, SampleQuality, FdReference, FdLenetReport } from './sample_quality.js';
