/**
 * tabular command line: `train`, `eval` and `sample` (Nx targets tabular:train, tabular:eval, tabular:sample).
 *
 *   npx nx run tabular:train --dataset=synthetic --iters=4000
 *   npx nx run tabular:train --dataset=power --data=/data/maf
 *   npx nx run tabular:eval --run=runs/tabular-synthetic-seed0
 *   npx nx run tabular:sample --run=runs/tabular-synthetic-seed0 --sampler=heun --steps=10
 *
 * Every bad flag or file → one `error:` line naming it and what is allowed, exit code 2, and
 * nothing written (data are loaded before the run folder is opened). A dataset file that is
 * missing or unreadable is the datasets package's message: which file, where it was looked for,
 * how to obtain it.
 */
import { runCli } from '@diffflow/cli';
import { tabularMain } from './commands.js';

await runCli(tabularMain);
