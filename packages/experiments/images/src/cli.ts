/**
 * images command line: `train`, `sample`, `eval`, `classifier`, `compare` (Nx targets images:train, images:sample, images:eval, images:classifier, images:compare).
 * Every bad flag or file → one `error:` line naming it and what is allowed, exit code 2 (the runs
 * package's `runCli`); `--dryRun` prints the decoded configuration and stops.
 */
import { selectBackend } from '@diffflow/backend';
import { commands, flagsOf, openRunDir, orThrow, orThrowSync, parseFlags, parseOverrides, printDryRun, resolveConfig, runCli, takeDryRun } from '@diffflow/runs';
import { checkImagesConfig, defaultOut, defaultsFor, ImagesConfig, imagesFlags, imagesNonIdentityFields } from './config.js';
import { loadImageSplits } from './model.js';
import { trainImages } from './train.js';
import { SampleFlags, sampleImagesCommand } from './sample.js';
import { EvalFlags, evalImagesCommand } from './eval.js';
import { ClassifierFlags, classifierCommand } from './classifier.js';
import { checkCompareConfig, compareDefaultsFor, compareFlags, CompareImagesConfig } from './compare_config.js';
import { runImagesCompare } from './compare.js';

await runCli(
  commands(
    {
      train: async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const overrides = orThrowSync(parseOverrides(argv, imagesFlags));
        const decoded = orThrowSync(resolveConfig(ImagesConfig, defaultsFor(overrides), overrides));
        const { config: checked, schedule } = orThrowSync(checkImagesConfig(decoded));
        const config = { ...checked, out: checked.out === '' ? defaultOut(checked) : checked.out };
        if (dryRun) return printDryRun('images train', config, imagesFlags);
        const splits = await orThrow(loadImageSplits(config));
        const identity = Object.fromEntries(Object.entries(config).filter(([k]) => !(imagesNonIdentityFields as readonly string[]).includes(k)));
        const backend = await selectBackend();
        const run = await orThrow(openRunDir(config.out, { config: identity, resume: config.resume, nonIdentity: [...imagesNonIdentityFields] }));
        await trainImages(config, schedule, splits, run, backend);
      },
      sample: async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const flags = orThrowSync(parseFlags(argv, SampleFlags));
        if (dryRun) return printDryRun('images sample', flags, flagsOf(SampleFlags));
        await selectBackend();
        await sampleImagesCommand(flags);
      },
      eval: async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const flags = orThrowSync(parseFlags(argv, EvalFlags));
        if (dryRun) return printDryRun('images eval', flags, flagsOf(EvalFlags));
        await selectBackend();
        await evalImagesCommand(flags);
      },
      classifier: async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const flags = orThrowSync(parseFlags(argv, ClassifierFlags));
        if (dryRun) return printDryRun('images classifier', flags, flagsOf(ClassifierFlags));
        await selectBackend();
        await classifierCommand(flags);
      },
      compare: async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const overrides = orThrowSync(parseOverrides(argv, compareFlags));
        const decoded = orThrowSync(resolveConfig(CompareImagesConfig, compareDefaultsFor(overrides), overrides));
        // the flags as decoded, before the checks across fields (the Nx flag test varies every one)
        if (dryRun) return printDryRun('images compare', decoded, compareFlags);
        const checked = orThrowSync(checkCompareConfig(decoded, Object.keys(overrides)));
        await runImagesCompare(checked, await selectBackend());
      },
    },
    'images',
  ),
);
