/**
 * toy2d command line: `train`, `sample` (Nx targets toy2d:train, toy2d:sample; toy2d:eval is
 * eval_cli.ts). Every bad flag or file → one line naming it and what is allowed, exit code 2,
 * nothing written (the runs package's `runCli`); `--dryRun` prints the decoded configuration.
 */
import { selectBackend } from '@diffflow/backend';
import { commands, flagsOf, openRunDir, orThrow, orThrowSync, parseFlags, parseOverrides, printDryRun, resolveConfig, runCli, takeDryRun } from '@diffflow/runs';
import { defaultOut, Toy2dConfig, toy2dDefaults, toy2dFlags, toy2dNonIdentityFields } from './config.js';
import { trainToy2d } from './train.js';
import { sampleToy2d, SampleFlags } from './sample.js';

await runCli(
  commands(
    {
      train: async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const overrides = orThrowSync(parseOverrides(argv, toy2dFlags));
        const decoded = orThrowSync(resolveConfig(Toy2dConfig, toy2dDefaults, overrides));
        const config = { ...decoded, out: decoded.out === '' ? defaultOut(decoded) : decoded.out };
        if (dryRun) return printDryRun('toy2d train', config, toy2dFlags);
        const identity = Object.fromEntries(Object.entries(config).filter(([k]) => !(toy2dNonIdentityFields as readonly string[]).includes(k)));
        const backend = await selectBackend();
        const run = await orThrow(openRunDir(config.out, { config: identity, resume: config.resume }));
        await trainToy2d(config, run, backend);
      },
      sample: async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const flags = orThrowSync(parseFlags(argv, SampleFlags));
        if (dryRun) return printDryRun('toy2d sample', flags, flagsOf(SampleFlags));
        await selectBackend();
        await sampleToy2d(flags);
      },
    },
    'toy2d',
  ),
);
