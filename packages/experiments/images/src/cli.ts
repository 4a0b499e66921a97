/**
 * images command line: `train`, `sample`, `eval`, `classifier`, `compare` (Nx targets images:train, images:sample, images:eval, images:classifier, images:compare).
 * Every bad flag or file → one `error:` line naming it and what is allowed, exit code 2 (the runs
 * package's `runCli`); `--dryRun` prints the decoded configuration and stops; `help` explains
 * every flag (`npx nx run images:train help`).
 */
import { selectBackend } from '@diffflow/backend';
import * as t from 'io-ts';
import { commands, flagCommand, orThrow, orThrowSync, parseOverrides, printDryRun, resolveConfig, runCli, samplerSettingFields, takeDryRun, takeTrainSamplerSettings, trainSamplerFlags, trainSamplerSpec, withHelp } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { checkImagesConfig, defaultOut, defaultsFor, ImagesConfig, imagesFlags, imagesNonIdentityFields } from './config.js';
import { loadImageSplits } from '@diffflow/datasets';
import { trainImages } from './train.js';
import { imagesSampleDefaults, SampleFlags, sampleImagesCommand } from './sample.js';
import { EvalFlags, evalImagesCommand, imagesEvalDefaults } from './eval.js';
import { ClassifierFlags, classifierCommand, classifierDefaults } from './classifier.js';
import { checkCompareConfig, compareDefaultsFor, compareFlags, CompareImagesConfig } from './compare_config.js';
import { runImagesCompare } from './compare.js';

/** A command that selects the tfjs backend before it runs. */
const withBackend =
  <A>(run: (flags: A) => Promise<unknown>) =>
  async (flags: A): Promise<void> => {
    await selectBackend();
    await run(flags);
  };

await runCli(
  commands(
    {
      train: withHelp(
        {
          target: 'images:train',
          summary: 'Train DiffFlow (a U-Net drift and score) on images; writes config.json, metrics, checkpoint.bin and a sample grid to --out. The defaults shown are the cpu preset\'s; --preset=paper|tiny swaps them under the other flags.',
          // the configuration and the final samples' sampler settings (--snr, --order, …: not stored in the run's configuration)
          codec: t.intersection([ImagesConfig, samplerSettingFields()]),
          defaults: defaultsFor({}),
        },
        async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const trainFlags = { ...imagesFlags, ...trainSamplerFlags() };
        const { overrides, settings } = orThrowSync(takeTrainSamplerSettings(orThrowSync(parseOverrides(argv, trainFlags))));
        const decoded = orThrowSync(resolveConfig(ImagesConfig, defaultsFor(overrides), overrides));
        const { config: checked, schedule } = orThrowSync(checkImagesConfig(decoded));
        const config = { ...checked, out: checked.out === '' ? defaultOut(checked) : checked.out };
        if (dryRun) return printDryRun('images train', { ...config, ...settings }, trainFlags);
        const sampler = trainSamplerSpec(config.sampler, settings);
        const splits = await orThrow(loadImageSplits(config));
        const backend = await selectBackend();
        const run = await orThrow(openRunDir(config.out, { config, resume: config.resume, nonIdentity: [...imagesNonIdentityFields] }));
        await trainImages(config, schedule, splits, run, backend, sampler);
      }),
      sample: flagCommand(
        {
          target: 'images:sample',
          summary: 'Draw an image grid from a trained images run with its EMA weights, with the sampler family\'s λ and N of your choice.',
          codec: SampleFlags,
          defaults: imagesSampleDefaults,
          defaultTexts: { steps: "the run's --sampleSteps" },
        },
        withBackend(sampleImagesCommand),
      ),
      eval: flagCommand(
        {
          target: 'images:eval',
          summary: 'Bits/dim of a trained images run on its held-out images (probability-flow NLL with Hutchinson traces, and the negative ELBO), and FD-LeNet of its samples.',
          codec: EvalFlags,
          defaults: imagesEvalDefaults,
        },
        withBackend(evalImagesCommand),
      ),
      classifier: flagCommand(
        {
          target: 'images:classifier',
          summary: 'Train the LeNet classifier of a data split that FD-LeNet and the class coverage use (images:eval, images:compare).',
          codec: ClassifierFlags,
          defaults: classifierDefaults,
        },
        withBackend(classifierCommand),
      ),
      compare: withHelp(
        {
          target: 'images:compare',
          summary: "Table 4 of the paper on MNIST: DiffFlow against the DDPM baseline at the same U-Net size and training budget, FD-LeNet and class coverage against the number of sampling steps N. The defaults shown are the full comparison's; --quick swaps them.",
          codec: CompareImagesConfig,
          defaults: compareDefaultsFor({}),
        },
        async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const overrides = orThrowSync(parseOverrides(argv, compareFlags));
        const decoded = orThrowSync(resolveConfig(CompareImagesConfig, compareDefaultsFor(overrides), overrides));
        // the flags as decoded, before the checks across fields (the Nx flag test varies every one)
        if (dryRun) return printDryRun('images compare', decoded, compareFlags);
        const checked = orThrowSync(checkCompareConfig(decoded, Object.keys(overrides)));
        await runImagesCompare(checked, await selectBackend());
      }),
    },
    'images',
  ),
);
