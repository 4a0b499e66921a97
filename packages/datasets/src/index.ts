/**
 * 2-D toy distributions, IDX images (MNIST, Fashion-MNIST), CIFAR-10 and tabular loaders.
 * @module @diffflow/datasets
 */
// 2-D toy distributions and their normalisation
export {
  toyNames,
  isToyName,
  decodeToyName,
  sampleToy,
  toyLabels,
  supportMask,
  insideSupport,
  hasKnownSupport,
  toySupportTolerance,
  SIERPINSKI_LEVEL,
} from './toy2d.js';
export type { ToyName, ToyKey, ToyWithSupport } from './toy2d.js';
export { toyEntropy } from './toy2d_entropy.js';
export { POINT_CLOUD_PURPOSE, pointCloud, decodePointCloud, pointCloudSize, samplePointCloud, pointCloudLogDensity } from './toy2d_points.js';
export type { PointCloud } from './toy2d_points.js';
export { fitNormalizer, normalizerFromJson, decodeNormalizer, normalizerLogDet, NORMALIZER_MAX_ABS } from './normalizer.js';
export { standardizeRows, standardizationLogDet, fitStandardizer, standardize, destandardize, standardizerLogDet, decodeStandardizer } from './standardizer.js';
export type { Standardizer } from './standardizer.js';
export type { Normalizer, NormalizerJson } from './normalizer.js';

// errors at the boundary
export { formatDatasetError, datasetError, obtainHints } from './errors.js';
export type { DatasetError, FileNotFound, Truncated, BadMagic, InconsistentCounts, Malformed, UnknownDataset } from './errors.js';
export { readBytes, maybeGunzip, isGzip } from './files.js';

// splits
export { seededPermutation, seededRows, splitIndices } from './split.js';
export type { SplitIndices } from './split.js';
export { epochBatchRows } from './epoch_batches.js';

// images
export { checkImageDataset, resizeImages, toModelInput, toImageBytes, subsetImages, splitImages, concatImages } from './images.js';
export type { ImageDataset, ResizeOptions, ModelImages } from './images.js';
export { parseIdx, decodeIdx, readIdx } from './idx.js';
export type { IdxArray } from './idx.js';
export {
  loadEmbeddedMnist,
  parseMnistDigitJson,
  loadIdxPair,
  loadIdxDirectory,
  loadFashionMnist,
  idxFileNames,
  fashionMnistCandidateDirs,
} from './mnist.js';
export type { IdxSplit } from './mnist.js';
export { parseCifar10Batch, loadCifar10Batches, loadCifar10, cifar10FileNames, CIFAR10_RECORD_BYTES } from './cifar10.js';
export { imageDataNames, imageFitNames, loadImageSplits, fitImages, seededImages } from './image_splits.js';
export type { ImageDataName, ImageFit, ImageSplitOptions, ImageSplits } from './image_splits.js';

// tabular
export type { Matrix, Matrix64 } from './tabular/matrix.js';
export { gatherRows, columnMeans, columnStds } from './tabular/matrix.js';
export { parseNpy, npyToMatrix, readNpyMatrix, encodeNpy, encodeNpyArray, decodeNpyArray } from './tabular/npy.js';
export type { NpyArray, NpyTypedArray, NpyTypedArrayFile } from './tabular/npy.js';
export { parsePandasPickle } from './tabular/pandas_pickle.js';
export type { NumericFrame } from './tabular/pandas_pickle.js';
export { readNumericCsv } from './tabular/csv.js';
export type { NumericTable } from './tabular/csv.js';
export { readHdf5Matrices } from './tabular/hdf5.js';
export { NumpyRandomState } from './tabular/numpy_random.js';
export {
  tabularNames,
  isTabularName,
  mafDimensions,
  mafReleaseFiles,
  splitNames,
  tailSplit,
  preprocessPower,
  preprocessMiniboone,
  preprocessGas,
  preprocessHepmass,
  loadMafRelease,
  npySplitPaths,
  loadNpySplits,
  writeNpySplits,
  loadTabular,
} from './tabular/maf.js';
export type { TabularName, TabularDataset, TabularSource } from './tabular/maf.js';
export {
  SYNTHETIC_DIM,
  SYNTHETIC_COMPONENTS,
  syntheticSizes,
  syntheticMixture,
  syntheticLogDensity,
  sampleSyntheticMixture,
  estimateSyntheticEntropy,
  syntheticEntropyBounds,
  syntheticEntropy,
  syntheticMixtureParameters,
} from './tabular/synthetic.js';
export type { SyntheticMixture } from './tabular/synthetic.js';
