/**
 * `npx nx run toy2d:compare [--flag=value …]`: DiffFlow vs DDPM on 2-D data (sharpness,
 * topology, steps), written to --out (default runs/compare) as results.json, results.md and PNGs.
 * `--quick` runs tiny budgets (a smoke test). A bad flag, file or output folder → one line naming
 * it, exit code 2, nothing written (the runs package's `runCli`); `--dryRun` prints the decoded
 * configuration and stops; `help` explains every flag.
 */
import { selectBackend } from '@diffflow/backend';
import { orThrow, orThrowSync, printDryRun, runCli, takeDryRun, withHelp } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { CompareConfig, compareDefaults, compareFlags, compareNonIdentityFields, compareSamplers, loadCompareConfig, runIdentity } from './config.js';
import { describePlan, runCompare } from './run.js';

await runCli(
  withHelp(
    {
      target: 'toy2d:compare',
      summary: 'DiffFlow against DDPM on 2-D data (sharpness, topology, steps), written to --out as results.json, results.md and PNGs. The defaults shown are the full comparison\'s (about an hour on 2 cores); --quick swaps them for tiny budgets.',
      codec: CompareConfig,
      defaults: compareDefaults,
      extraFlags: [
        {
          flag: '--config',
          kind: 'string',
          text: 'A JSON file holding any of these fields, nested as the dotted names say ({"diffflow": {"iters": 300}}); the flags override it.',
          allowed: 'a path to a .json file holding one object',
          default: 'none',
        },
      ],
    },
    async (args) => {
  const { dryRun, argv } = takeDryRun(args);
  const config = orThrowSync(await loadCompareConfig(argv));
  if (dryRun) return printDryRun('toy2d compare', config, compareFlags);
  compareSamplers(config); // a setting flag its sampler lacks: exit 2 before anything is written
  const run = await orThrow(
    openRunDir(config.out, { config: runIdentity(config), resume: config.resume, nonIdentity: [...compareNonIdentityFields], extraExtensions: ['.md'] }),
  );
  const backend = await selectBackend();
  console.error(`[compare] ${config.quick ? 'QUICK (smoke-test budgets) ' : ''}→ ${run.path}: ${describePlan(config)}`);
  await runCompare(config, run, backend);
    },
  ),
);
