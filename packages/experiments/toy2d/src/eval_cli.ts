/**
 * `toy2d:eval` (Nx): held-out NLL (probability-flow ODE, exact trace), negative ELBO and a
 * log-density heat-map of a toy2d run, with its EMA weights. See eval.ts.
 *
 *   npx nx run toy2d:eval --run=runs/toy2d-checkerboard-seed0 --n=5000 --solver=rk45
 *
 * Every bad flag or file → one `error:` line naming it, exit code 2; `--dryRun` prints the
 * decoded flags, `help` every flag (`npx nx run toy2d:eval help`).
 */
import { selectBackend } from '@diffflow/backend';
import { flagCommand, runCli } from '@diffflow/cli';
import { EvalFlags, evalDefaults, evalToy2d } from './eval.js';

await runCli(
  flagCommand(
    {
      target: 'toy2d:eval',
      summary: 'Held-out NLL (probability-flow ODE, exact trace), negative ELBO and a log-density heat-map of a trained toy2d run, with its EMA weights.',
      codec: EvalFlags,
      defaults: evalDefaults,
    },
    async (flags) => {
      await evalToy2d(flags, (await selectBackend()).name);
    },
  ),
);
