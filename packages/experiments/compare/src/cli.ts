/**
 * `npx nx run toy2d:compare [--flag=value …]`: DiffFlow vs DDPM on 2-D data (sharpness,
 * topology, steps), written to --out (default runs/compare) as results.json, results.md and PNGs.
 * `--quick` runs tiny budgets (a smoke test). A bad flag, file or output folder → one line naming
 * it, exit code 2, nothing written (the runs package's `runCli`); `--dryRun` prints the decoded
 * configuration and stops.
 */
import { selectBackend } from '@diffflow/backend';
import { openRunDir, orThrow, orThrowSync, printDryRun, runCli, takeDryRun } from '@diffflow/runs';
import { compareFlags, compareNonIdentityFields, loadCompareConfig, runIdentity } from './config.js';
import { describePlan, runCompare } from './run.js';

await runCli(async (args) => {
  const { dryRun, argv } = takeDryRun(args);
  const config = orThrowSync(await loadCompareConfig(argv));
  if (dryRun) return printDryRun('toy2d compare', config, compareFlags);
  const run = await orThrow(
    openRunDir(config.out, { config: runIdentity(config), resume: config.resume, nonIdentity: [...compareNonIdentityFields], extraExtensions: ['.md'] }),
  );
  const backend = await selectBackend();
  console.error(`[compare] ${config.quick ? 'QUICK (smoke-test budgets) ' : ''}→ ${run.path}: ${describePlan(config)}`);
  await runCompare(config, run, backend);
});
