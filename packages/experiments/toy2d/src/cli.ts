/**
 * toy2d command line: `train`, `sample` (Nx targets toy2d:train, toy2d:sample; toy2d:eval is
 * eval_cli.ts). Every bad flag or file → one line naming it and what is allowed, exit code 2,
 * nothing written (the runs package's `runCli`); `--dryRun` prints the decoded configuration, `help`
 * every flag (`npx nx run toy2d:train help`).
 */
import { selectBackend } from '@diffflow/backend';
import { commands, flagsOf, orThrow, orThrowSync, parseFlags, parseOverrides, printDryRun, runCli, takeDryRun, withHelp } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { defaultOut, readPointsFlag, resolveToy2dConfig, Toy2dConfig, toy2dDefaults, toy2dFlags, toy2dIdentity } from './config.js';
import { trainToy2d } from './train.js';
import { sampleToy2d, SampleFlags } from './sample.js';

await runCli(
  commands(
    {
      train: withHelp(
        {
          target: 'toy2d:train',
          summary: 'Train DiffFlow on a 2-D distribution (a library toy or your own point cloud) and draw samples from it; writes config.json, metrics, checkpoint.bin, samples.npy and samples.png to --out.',
          codec: Toy2dConfig,
          defaults: toy2dDefaults,
        },
        async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const overrides = await orThrow(readPointsFlag(orThrowSync(parseOverrides(argv, toy2dFlags))));
        const decoded = orThrowSync(resolveToy2dConfig(overrides));
        const config = { ...decoded, out: decoded.out === '' ? defaultOut(decoded) : decoded.out };
        if (dryRun) return printDryRun('toy2d train', config, toy2dFlags);
        const backend = await selectBackend();
        const run = await orThrow(openRunDir(config.out, { config: toy2dIdentity(config), resume: config.resume }));
        await trainToy2d(config, run, backend);
      }),
      sample: withHelp(
        {
          target: 'toy2d:sample',
          summary: "Draw samples from a trained toy2d run with its EMA weights (samples.npy, samples.png), with the sampler family's λ and N of your choice.",
          codec: SampleFlags,
          defaultTexts: { n: "the run's --samples", steps: "the run's --steps" },
        },
        async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const flags = orThrowSync(parseFlags(argv, SampleFlags));
        if (dryRun) return printDryRun('toy2d sample', flags, flagsOf(SampleFlags));
        await selectBackend();
        await sampleToy2d(flags);
      }),
    },
    'toy2d',
  ),
);
