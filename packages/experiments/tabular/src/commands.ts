/**
 * The `tabular` commands behind cli.ts (importable, so tests can run them in-process).
 *
 * - `train`: decode the config strictly, load the data (before anything is written), open the run
 *   folder, train (train.ts).
 * - `eval`: load a run's EMA weights and its data, compute the test NLL and the results table,
 *   write eval.json, nll.npy and results.csv into `<run>/eval-…` and print the table (eval.ts).
 * - `sample`: draw rows from a run's EMA weights by a sampler of the registry (sample.ts).
 */
import { selectBackend } from '@diffflow/backend';
import { commands, flagCommand, orThrow, orThrowSync, parseOverrides, printDryRun, resolveConfig, takeDryRun, withHelp } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { defaultOut, TabularConfig, tabularDefaults, tabularFlags, tabularNonIdentityFields } from './config.js';
import { loadTabularData } from './data.js';
import { EvalFlags, evalDefaults, evalTabular } from './eval.js';
import { trainTabular } from './train.js';
import { SampleFlags, sampleTabular, tabularSampleDefaults } from './sample.js';


async function train(args: readonly string[]): Promise<void> {
  const { dryRun, argv } = takeDryRun(args);
  const overrides = orThrowSync(parseOverrides(argv, tabularFlags));
  const decoded = orThrowSync(resolveConfig(TabularConfig, tabularDefaults, overrides));
  const config = { ...decoded, out: decoded.out === '' ? defaultOut(decoded) : decoded.out };
  if (dryRun) return printDryRun('tabular train', config, tabularFlags);
  const data = await orThrow(loadTabularData(config.dataset, config.data));
  const backend = await selectBackend();
  const run = await orThrow(openRunDir(config.out, { config, resume: config.resume, nonIdentity: [...tabularNonIdentityFields] }));
  await trainTabular(config, run, backend, data);
}

async function sample(flags: SampleFlags): Promise<void> {
  await selectBackend();
  await sampleTabular(flags);
}

/**
 * The whole command line of `tabular`: `train`, `eval` or `sample` and their flags. Errors are thrown typed;
 * the runs package's `runCli` turns them into one `error:` line and exit code 2 (divergence: 3).
 */
export const tabularMain = commands(
  {
    train: withHelp(
      {
        target: 'tabular:train',
        summary: 'Train DiffFlow on a tabular dataset (a MAF benchmark or the synthetic stand-in), with a validation bound on the way; writes config.json, metrics, checkpoint.bin to --out.',
        codec: TabularConfig,
        defaults: tabularDefaults,
      },
      train,
    ),
    eval: flagCommand(
      {
        target: 'tabular:eval',
        summary: "Test NLL (probability-flow ODE) and negative ELBO of a trained tabular run with its EMA weights, in the dataset's own coordinates; writes eval.json, nll.npy and results.csv and prints the table.",
        codec: EvalFlags,
        defaults: evalDefaults,
      },
      async (flags) => {
        await evalTabular(flags, (await selectBackend()).name);
      },
    ),
    sample: flagCommand(
      {
        target: 'tabular:sample',
        summary: "Draw rows from a trained tabular run with its EMA weights by any sampler of the registry (--sampler and its settings), in the dataset's own coordinates; writes samples.npy and summary.json (the rows' mean and std beside the train split's).",
        codec: SampleFlags,
        defaults: tabularSampleDefaults,
        defaultTexts: { steps: "the run's --steps" },
      },
      sample,
    ),
  },
  'tabular',
);
