/**
 * toy2d command line: `train`, `sample` (Nx targets toy2d:train, toy2d:sample; toy2d:eval is
 * eval_cli.ts). Every bad flag or file → one line naming it and what is allowed, exit code 2,
 * nothing written (the runs package's `runCli`); `--dryRun` prints the decoded configuration, `help`
 * every flag (`npx nx run toy2d:train help`).
 */
import { selectBackend } from '@diffflow/backend';
import * as t from 'io-ts';
import { commands, flagsOf, orThrow, orThrowSync, parseFlags, parseOverrides, printDryRun, runCli, samplerSettingFields, takeDryRun, takeTrainSamplerSettings, trainSamplerFlags, trainSamplerSpec, withHelp } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { defaultOut, readPointsFlag, resolveToy2dConfig, Toy2dConfig, toy2dDefaults, toy2dFlags, toy2dIdentity } from './config.js';
import { finalSampler, trainToy2d } from './train.js';
import { sampleToy2d, SampleFlags } from './sample.js';

/** The registry setting toy2d:train holds under a name of its own: euler-maruyama's λ is --sampleLambda. */
const FINAL_LAMBDA = ['lambda'] as const;

await runCli(
  commands(
    {
      train: withHelp(
        {
          target: 'toy2d:train',
          summary: 'Train DiffFlow on a 2-D distribution (a library toy or your own point cloud) and draw samples from it; writes config.json, metrics, checkpoint.bin, samples.npy and samples.png to --out.',
          // the configuration and the final samples' sampler settings (--snr, --order, …; λ is --sampleLambda), which are not stored in it
          codec: t.intersection([Toy2dConfig, samplerSettingFields(FINAL_LAMBDA)]),
          defaults: toy2dDefaults,
        },
        async (args) => {
        const { dryRun, argv } = takeDryRun(args);
        const trainFlags = { ...toy2dFlags, ...trainSamplerFlags(FINAL_LAMBDA) };
        const { overrides: own, settings } = orThrowSync(takeTrainSamplerSettings(orThrowSync(parseOverrides(argv, trainFlags)), FINAL_LAMBDA));
        const overrides = await orThrow(readPointsFlag(own));
        const decoded = orThrowSync(resolveToy2dConfig(overrides));
        const config = { ...decoded, out: decoded.out === '' ? defaultOut(decoded) : decoded.out };
        if (dryRun) return printDryRun('toy2d train', { ...config, ...settings }, trainFlags);
        const sampler = finalSampler(config, trainSamplerSpec(config.sampler, settings).settings);
        const backend = await selectBackend();
        const run = await orThrow(openRunDir(config.out, { config: toy2dIdentity(config), resume: config.resume }));
        await trainToy2d(config, run, backend, sampler);
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
