import * as t from 'io-ts';
import { documented, intAtLeast, numberAbove, oneOf } from '@diffflow/cli';

/**
 * The flags of a held-out evaluation that every experiment's `eval` command shares (toy2d,
 * tabular), as io-ts props to spread into a `t.partial({...})`: all optional; absent, each takes
 * its command's default or the run's value (see {@link heldOutSettings}). Each is `documented`.
 * @param runDefault the default of --run in words (e.g. "toy2d:train's default folder")
 */
export function heldOutFields(runDefault: string) {
  return {
    run: documented(t.string, 'The training run folder (holds checkpoint.bin).', runDefault),
    solver: documented(oneOf(['rk45', 'rk4'] as const), 'ODE solver of the NLL.'),
    steps: documented(intAtLeast(1), "N of the fixed grid: RK4's steps and the negative ELBO's chain.", "the run's"),
    rtol: documented(numberAbove(0), 'Relative tolerance of rk45.'),
    atol: documented(numberAbove(0), 'Absolute tolerance of rk45.'),
    draws: documented(intAtLeast(1), 'Forward-noise draws K of the negative ELBO.'),
    seed: documented(intAtLeast(0), 'Seed of the held-out points and of the evaluation\'s draws (ELBO noise, probes).', "the run's"),
    out: documented(t.string, 'Output folder.', '<run>/eval-… named by the options'),
  };
}

/** The settings of a held-out evaluation that every experiment shares, resolved (see `evaluateHeldOut`). */
export interface HeldOutSettings {
  /** Held-out points. */
  readonly n: number;
  readonly solver: 'rk45' | 'rk4';
  /** N of the fixed grid (RK4 and the negative ELBO's chain). */
  readonly steps: number;
  readonly rtol: number;
  readonly atol: number;
  /** Forward-noise draws K of the negative ELBO. */
  readonly draws: number;
  readonly seed: number;
}

/**
 * The shared settings of an evaluation: each flag as given, else the command's `defaults`, else the
 * run's (`steps`, `seed`); `n` is resolved by the caller (its held-out set decides).
 */
export function heldOutSettings(
  flags: Partial<Omit<HeldOutSettings, 'n'>>,
  defaults: Pick<HeldOutSettings, 'solver' | 'rtol' | 'atol' | 'draws'>,
  run: Pick<HeldOutSettings, 'steps' | 'seed'>,
  n: number,
): HeldOutSettings {
  return {
    n,
    solver: flags.solver ?? defaults.solver,
    steps: flags.steps ?? run.steps,
    rtol: flags.rtol ?? defaults.rtol,
    atol: flags.atol ?? defaults.atol,
    draws: flags.draws ?? defaults.draws,
    seed: flags.seed ?? run.seed,
  };
}
