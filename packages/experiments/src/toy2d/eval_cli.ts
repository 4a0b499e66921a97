/**
 * `toy2d:eval` (Nx): held-out NLL (probability-flow ODE, exact trace), negative ELBO and a
 * log-density heat-map of a toy2d run, with its EMA weights. See eval.ts.
 *
 *   npx nx run toy2d:eval -- --run=runs/toy2d-checkerboard-seed0 --n=5000 --solver=rk45
 *
 * Every bad flag or file → one `error:` line naming it, exit code 2.
 */
import { selectBackend } from '@diffflow/backend';
import { orExitSync } from '../cli_util.js';
import { evalToy2d, parseEvalFlags } from './eval.js';

const flags = orExitSync(parseEvalFlags(process.argv.slice(2)));
const backend = await selectBackend();
await evalToy2d(flags, backend.name);
