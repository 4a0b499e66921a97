/**
 * `npx nx run toy2d:compare [--flag=value …]`: DiffFlow vs DDPM on 2-D data (sharpness,
 * topology, steps), written to --out (default runs/compare) as results.json, results.md and PNGs.
 * `--quick` runs tiny budgets (a smoke test). A bad flag, file or output folder → one line naming
 * it, exit code 2, nothing written.
 */
import { selectBackend } from '@diffflow/backend';
import { openRunDir } from '../io/index.js';
import { orExit, orExitSync } from '../cli_util.js';
import { compareNonIdentityFields, loadCompareConfig, runIdentity } from './config.js';
import { describePlan, runCompare } from './run.js';

async function main(argv: string[]): Promise<void> {
  const config = orExitSync(await loadCompareConfig(argv));
  const run = await orExit(
    openRunDir(config.out, { config: runIdentity(config), resume: config.resume, nonIdentity: [...compareNonIdentityFields], extraExtensions: ['.md'] }),
  );
  const backend = await selectBackend();
  console.error(`[compare] ${config.quick ? 'QUICK (smoke-test budgets) ' : ''}→ ${run.path}: ${describePlan(config)}`);
  await runCompare(config, run, backend);
}

await main(process.argv.slice(2));
