/**
 * The `tabular` commands behind cli.ts (importable, so tests can run them in-process).
 *
 * - `train`: decode the config strictly, load the data (before anything is written), open the run
 *   folder, train (train.ts).
 * - `eval`: load a run's EMA weights and its data, compute the test NLL and the results table
 *   (eval.ts), write eval.json, nll.npy and results.csv into `<run>/eval-…` and print the table.
 * - `sample`: draw rows from a run's EMA weights by a sampler of the registry (sample.ts).
 */
import * as E from 'fp-ts/lib/Either.js';
import { selectBackend } from '@diffflow/backend';
import { commands, configInvalid, flagCommand, heldOutSettings, orThrow, orThrowSync, parseOverrides, printDryRun, resolveConfig, takeDryRun, withHelp } from '@diffflow/cli';
import { openRunDir, writeFileAtomic } from '@diffflow/runs';
import { defaultOut, TabularConfig, tabularDefaults, tabularFlags, tabularNonIdentityFields } from './config.js';
import { loadTabularData } from './data.js';
import { autoTrace, EvalFlags, evalDefaults, evalFolderName, evaluateTabular, formatResultTable, loadEmaRun, resultCsv, resultRows, type EvalSettings } from './eval.js';
import { disposeModel } from '@diffflow/training';
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

async function evaluate(flags: EvalFlags): Promise<void> {
  const started = performance.now();
  const runPath = flags.run ?? defaultOut(tabularDefaults);
  const backend = await selectBackend();
  const loaded = await orThrow(loadEmaRun(runPath));
  try {
    const { config } = loaded;
    const data = await orThrow(loadTabularData(config.dataset, flags.data ?? config.data));
    if (data.dataset.dim !== loaded.standardizer.dim)
      orThrowSync(E.left(configInvalid('--data', `the ${config.dataset} files there have D = ${data.dataset.dim}, the run in '${runPath}' was trained with D = ${loaded.standardizer.dim}`)));
    const settings: EvalSettings = {
      ...heldOutSettings(flags, evalDefaults, config, Math.min(flags.n ?? data.dataset.test.rows, data.dataset.test.rows)),
      trace: (flags.trace ?? evalDefaults.trace) === 'auto' ? autoTrace(data.dataset.dim) : (flags.trace as 'exact' | 'hutchinson'),
      probes: flags.probes ?? evalDefaults.probes,
      batchSize: flags.batchSize ?? evalDefaults.batchSize,
    };
    const out = flags.out ?? `${runPath}/${evalFolderName(settings)}`;
    const identity = { run: runPath, dataset: config.dataset, ...settings };
    const dir = await orThrow(openRunDir(out, { config: identity, resume: true }));
    await orThrow(dir.writeConfig(identity));

    const r = evaluateTabular(loaded, data, settings);
    const rows = resultRows(config.dataset, r);
    await orThrow(dir.writeNpy('nll.npy', r.perSampleNll, [r.n]));
    await orThrow(writeFileAtomic(dir.file('results.csv'), resultCsv(config.dataset, rows)));
    const totalMs = performance.now() - started;
    const { perSampleNll: _perSample, ...numbers } = r;
    await orThrow(
      dir.writeJson('eval.json', {
        run: runPath,
        dataset: config.dataset,
        checkpointIteration: loaded.iteration,
        weights: 'ema',
        backend: backend.name,
        settings,
        units: "nats per sample in the dataset's own coordinates (NLL_x = NLL_y − log|det ∂y/∂x|, y = train-standardised x)",
        ...numbers,
        table: rows,
        totalMs,
      }),
    );
    const header = `tabular eval: ${config.dataset}, ${runPath} (iteration ${loaded.iteration ?? '?'}, EMA weights), ${r.n} test rows, D = ${r.dim}`;
    process.stdout.write(`${formatResultTable(rows, header)}\nNLL ${(r.nll.ms / 1000).toFixed(1)} s, −ELBO ${(r.negativeElbo.ms / 1000).toFixed(1)} s, total ${(totalMs / 1000).toFixed(1)} s → ${out}\n`);
  } finally {
    disposeModel(loaded.model);
  }
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
      evaluate,
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
