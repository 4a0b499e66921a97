/**
 * images command line: `train`, `sample`, `eval` (Nx targets images:train, images:sample, images:eval).
 * Every bad flag or file → one `error:` line naming it and what is allowed, exit code 2.
 */
import * as E from 'fp-ts/lib/Either.js';
import { selectBackend } from '@diffflow/backend';
import { openRunDir, parseOverrides, resolveConfig } from '../io/index.js';
import { orExit, orExitSync } from '../cli_util.js';
import { checkImagesConfig, defaultOut, defaultsFor, ImagesConfig, imagesFlags, imagesNonIdentityFields } from './config.js';
import { loadImageSplits } from './model.js';
import { trainImages } from './train.js';
import { sampleFlags, sampleImagesCommand } from './sample.js';
import { evalFlags, evalImagesCommand } from './eval.js';
import { exitDataset } from './cli_errors.js';

const usage = 'usage: images <train|sample|eval> [--flag=value …]';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'train': {
      const overrides = orExitSync(parseOverrides(rest, imagesFlags));
      const decoded = orExitSync(resolveConfig(ImagesConfig, defaultsFor(overrides), overrides));
      const { config: checked, schedule } = orExitSync(checkImagesConfig(decoded));
      const config = { ...checked, out: checked.out === '' ? defaultOut(checked) : checked.out };
      const loaded = await loadImageSplits(config)();
      if (E.isLeft(loaded)) exitDataset(loaded.left);
      const identity = Object.fromEntries(Object.entries(config).filter(([k]) => !(imagesNonIdentityFields as readonly string[]).includes(k)));
      const backend = await selectBackend();
      const run = await orExit(openRunDir(config.out, { config: identity, resume: config.resume, nonIdentity: [...imagesNonIdentityFields] }));
      await trainImages(config, schedule, loaded.right, run, backend);
      return;
    }
    case 'sample': {
      const flags = orExitSync(parseOverrides(rest, sampleFlags));
      await selectBackend();
      await sampleImagesCommand(flags);
      return;
    }
    case 'eval': {
      const flags = orExitSync(parseOverrides(rest, evalFlags));
      await selectBackend();
      await evalImagesCommand(flags);
      return;
    }
    default:
      console.error(`error: unknown command '${command ?? ''}'; ${usage}`);
      process.exit(2);
  }
}

await main(process.argv.slice(2));
