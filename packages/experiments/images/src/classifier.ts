/**
 * The images experiment's sample-quality classifier (FD-LeNet): `images classifier` trains a
 * LeNet-style CNN (@diffflow/metrics) on the training split the images experiment uses — never on
 * its held-out images — and stores it as a versioned artifact in a cached folder; `images eval`
 * (and the comparison) load it to score samples. FD-LeNet is not the paper's Inception FID, and its
 * values are not comparable to published FIDs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { CLASSIFIER_FILES, lenet, lenetArchitecture, loadSplitClassifier, saveClassifier, splitReference, trainSplitClassifier, type ClassifierFileError, type ClassifierInfo, type LeNet } from '@diffflow/metrics';
import { documented, fileMalformed, fileMissing, intAtLeast, numberAbove, orThrow, type ExperimentError } from '@diffflow/cli';
import { loadImageSplits, type ImageDataName, type ImageSplits } from '@diffflow/datasets';
import { ImagesConfig, imagePresetDefaults } from './config.js';

/** The fields of an images configuration that fix its data and held-out split (what a classifier must share with a run). */
export type ClassifierSplit = Pick<ImagesConfig, 'data' | 'dataDir' | 'size' | 'fit' | 'heldOut' | 'seed'>;

/** The version in the artifact folder's name; bump it when the classifier's architecture or training changes. */
export const CLASSIFIER_VERSION = 1;

/**
 * The flags of `images classifier`: the data split (as `images train` takes it; defaults are the
 * presets' — MNIST, 32×32, 2000 held out, seed 0) and the classifier's training. All optional.
 */
export const ClassifierFlags = t.exact(
  t.partial({
    data: ImagesConfig.type.props.data,
    dataDir: ImagesConfig.type.props.dataDir,
    size: ImagesConfig.type.props.size,
    fit: ImagesConfig.type.props.fit,
    heldOut: ImagesConfig.type.props.heldOut,
    seed: documented(ImagesConfig.type.props.seed, "Seed of the held-out split (the run's --seed); the classifier's own weights and batch order use it too."),
    epochs: documented(intAtLeast(1), 'Passes over the training split.', "8 for the embedded MNIST's 8,000 images, else 3"),
    batchSize: documented(intAtLeast(1), 'Images per Adam step.'),
    lr: documented(numberAbove(0), "Adam's learning rate."),
    out: documented(t.string, 'Artifact folder.', 'runs/classifiers/lenet-<data>-v1 (of the split)'),
    force: documented(t.boolean, 'Retrain even when the folder already holds a classifier.', 'false'),
  }),
);
export type ClassifierFlags = t.TypeOf<typeof ClassifierFlags>;

/** Defaults of the `images classifier` flags: the presets' split, 64 images per step, Adam at 1e-3. */
export const classifierDefaults = { ...classifierSplitOf({}), batchSize: 64, lr: 1e-3 } as const;

/** The split of the flags, defaults from the presets (which all share data, size, fit, heldOut, seed). */
export function classifierSplitOf(flags: Partial<ClassifierSplit>): ClassifierSplit {
  const d = imagePresetDefaults.cpu;
  return {
    data: flags.data ?? d.data,
    dataDir: flags.dataDir ?? d.dataDir,
    size: flags.size ?? d.size,
    fit: flags.fit ?? d.fit,
    heldOut: flags.heldOut ?? d.heldOut,
    seed: flags.seed ?? d.seed,
  };
}

/**
 * Where a split's classifier lives: `runs/classifiers/lenet-<data>-v1` for the presets' split
 * (size 32, fit auto, 2000 held out, seed 0), else `runs/classifiers/lenet-<data>-size<S>-<fit>-heldout<H>-seed<s>-v1`.
 * Relative to the working directory (Nx runs targets in the repository root).
 */
export function classifierDir(split: Pick<ClassifierSplit, 'data' | 'size' | 'fit' | 'heldOut' | 'seed'>): string {
  const d = imagePresetDefaults.cpu;
  const standard = split.size === d.size && split.fit === d.fit && split.heldOut === d.heldOut && split.seed === d.seed;
  const tag = standard ? '' : `-size${split.size}-${split.fit}-heldout${split.heldOut}-seed${split.seed}`;
  return `runs/classifiers/lenet-${split.data}${tag}-v${CLASSIFIER_VERSION}`;
}

/** The command that makes a split's classifier, for hints. */
export function classifierCommandFor(split: ClassifierSplit): string {
  const d = classifierSplitOf({});
  const extra = (['dataDir', 'size', 'fit', 'heldOut', 'seed'] as const).filter((k) => split[k] !== d[k]).map((k) => ` --${k}=${split[k]}`);
  return `npx nx run images:classifier --data=${split.data}${extra.join('')}`;
}

/** Default epochs per data set (the embedded MNIST's train split has 8,000 images, Fashion-MNIST's 60,000). */
export function defaultClassifierEpochs(data: ImageDataName): number {
  return data === 'mnist' ? 8 : 3;
}

function toExperimentError(e: ClassifierFileError): ExperimentError {
  return e._tag === 'ClassifierFileMissing' ? fileMissing(e.path, e.hint) : fileMalformed(e.path, e.reason);
}

/**
 * Loads the classifier of a split from `dir` (default {@link classifierDir}) and checks it was
 * trained on the same split — so it never saw the run's held-out images. A missing or bad file, or
 * a classifier of another split or image size, fails with one line naming the file (exit 2).
 */
export async function loadImagesClassifier(split: ClassifierSplit, dir = classifierDir(split)): Promise<{ classifier: LeNet; info: ClassifierInfo; dir: string }> {
  return { ...(await orThrow(TE.mapLeft(toExperimentError)(loadSplitClassifier(dir, split, classifierCommandFor(split))))), dir };
}

/** Whether a folder holds a classifier artifact (its lenet.json). */
export function hasClassifier(dir: string): boolean {
  return existsSync(join(dir, CLASSIFIER_FILES.meta));
}

/** What `images classifier` reports and stores. */
export interface ClassifierReport {
  readonly dir: string;
  readonly heldOutAccuracy: number;
  readonly trainImages: number;
  readonly heldOutImages: number;
  /** Seconds of training (0 when reused). */
  readonly trainSeconds: number;
  readonly reused: boolean;
  /** FD-LeNet of {@link FLOOR_IMAGES} training images vs the held-out images: what perfect samples score at `images eval`'s default --fdSamples. */
  readonly floor: number;
}

/** Training images the classifier command's floor is measured on (`images eval`'s default --fdSamples). */
export const FLOOR_IMAGES = 500;

/** Prints and returns the floor of a classifier on a split. */
function reportFloor(classifier: LeNet, splits: ImageSplits, seed: number): number {
  const { floor, floorImages } = splitReference(classifier, splits, FLOOR_IMAGES, seed);
  console.error(`[images] FD-LeNet floor: ${floor.toFixed(3)} (${floorImages} training images vs the ${splits.heldOut.n} held-out images: what perfect samples score at images eval's default --fdSamples=${FLOOR_IMAGES})`);
  return floor;
}

/**
 * `images classifier`: trains LeNet-5 widths (@diffflow/metrics' `lenetArchitecture` at the
 * split's image size) on the split's training images, measures its accuracy on the held-out images
 * and writes the artifact (lenet.json + weights.npy) to `--out` (default {@link classifierDir}).
 * A folder that already holds a classifier of this split is reused (its stored accuracy printed)
 * unless `--force`. Either way it prints the FD-LeNet floor of {@link FLOOR_IMAGES} training images,
 * the scale against which `images eval`'s FD-LeNet reads.
 */
export async function classifierCommand(flags: ClassifierFlags): Promise<ClassifierReport> {
  const split = classifierSplitOf(flags);
  const dir = flags.out ?? classifierDir(split);
  if (hasClassifier(dir) && flags.force !== true) {
    const { classifier, info } = await loadImagesClassifier(split, dir);
    try {
      const accuracy = Number(info['heldOutAccuracy']);
      console.error(`[images] classifier ${dir} already trained on this split (held-out accuracy ${(100 * accuracy).toFixed(2)} %); --force retrains`);
      const floor = reportFloor(classifier, await orThrow(loadImageSplits(split)), split.seed);
      return { dir, heldOutAccuracy: accuracy, trainImages: Number(info['trainImages']), heldOutImages: Number(info['heldOutImages']), trainSeconds: 0, reused: true, floor };
    } finally {
      classifier.dispose();
    }
  }
  const started = performance.now();
  const splits: ImageSplits = await orThrow(loadImageSplits(split));
  const loadSeconds = (performance.now() - started) / 1000;
  const { train, heldOut } = splits;
  const epochs = flags.epochs ?? defaultClassifierEpochs(split.data);
  const batchSize = flags.batchSize ?? classifierDefaults.batchSize;
  const lr = flags.lr ?? classifierDefaults.lr;
  const classifier = lenet(lenetArchitecture({ height: train.height, width: train.width, channels: train.channels }), split.seed);
  console.error(
    `[images] classifier: LeNet (${classifier.parameterCount.toLocaleString('en-US')} parameters) on ${train.n.toLocaleString('en-US')} ${split.data} training images ${train.height}×${train.width}×${train.channels} (loaded in ${loadSeconds.toFixed(1)} s), ${epochs} epochs of batch ${batchSize}, Adam ${lr}; ${heldOut.n} held-out images never seen`,
  );
  try {
    const r = trainSplitClassifier(classifier, splits, split, {
      epochs,
      batchSize,
      lr,
      purpose: "FD-LeNet features for the images experiment (not Inception FID; not comparable to the paper's FID)",
      onEpoch: (e) => console.error(`[images] classifier epoch ${e.epoch + 1}/${epochs}: cross-entropy ${e.loss.toFixed(4)} nats, ${e.seconds.toFixed(0)} s`),
    });
    await orThrow(TE.mapLeft(toExperimentError)(saveClassifier(dir, classifier, r.info)));
    console.error(
      `[images] classifier held-out accuracy ${(100 * r.heldOutAccuracy).toFixed(2)} % on ${heldOut.n} images (train subset ${(100 * r.trainAccuracy).toFixed(2)} %), trained in ${r.seconds.toFixed(0)} s → ${dir}`,
    );
    const floor = reportFloor(classifier, splits, split.seed);
    return { dir, heldOutAccuracy: r.heldOutAccuracy, trainImages: train.n, heldOutImages: heldOut.n, trainSeconds: r.seconds, reused: false, floor };
  } finally {
    classifier.dispose();
  }
}
