/**
 * toy2d command line: `train`, `sample`, `eval` (Nx targets toy2d:train, toy2d:sample, toy2d:eval).
 * Every bad flag or file → one line naming it and what is allowed, exit code 2, nothing written.
 */
import { selectBackend } from '@diffflow/backend';
import { openRunDir, parseOverrides, resolveConfig } from '../io/index.js';
import { orExit, orExitSync } from '../cli_util.js';
import { defaultOut, Toy2dConfig, toy2dDefaults, toy2dFlags, toy2dNonIdentityFields } from './config.js';
import { trainToy2d } from './train.js';
import { sampleToy2d, sampleFlags } from './sample.js';

const usage = 'usage: toy2d <train|sample> [--flag=value …]';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'train': {
      const overrides = orExitSync(parseOverrides(rest, toy2dFlags));
      const decoded = orExitSync(resolveConfig(Toy2dConfig, toy2dDefaults, overrides));
      const config = { ...decoded, out: decoded.out === '' ? defaultOut(decoded) : decoded.out };
      const identity = Object.fromEntries(Object.entries(config).filter(([k]) => !(toy2dNonIdentityFields as readonly string[]).includes(k)));
      const backend = await selectBackend();
      const run = await orExit(openRunDir(config.out, { config: identity, resume: config.resume }));
      await trainToy2d(config, run, backend);
      return;
    }
    case 'sample': {
      const overrides = orExitSync(parseOverrides(rest, sampleFlags));
      await selectBackend();
      await sampleToy2d(overrides);
      return;
    }
    default:
      console.error(`error: unknown command '${command ?? ''}'; ${usage}`);
      process.exit(2);
  }
}

await main(process.argv.slice(2));
