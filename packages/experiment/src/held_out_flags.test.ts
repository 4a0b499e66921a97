import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { flagHelp, parseFlags } from '@diffflow/cli';
import { heldOutFields, heldOutSettings } from './held_out_flags.js';

describe('heldOutFields / heldOutSettings', () => {
  const Flags = t.exact(t.partial({ ...heldOutFields("x:train's default folder"), n: t.number }));

  it('decodes every shared flag, refuses a bad one naming it, and documents each (--run: the default given)', () => {
    const ok = parseFlags(['--solver=rk4', '--steps=7', '--rtol=1e-3', '--atol', '2e-3', '--draws=2', '--seed=5', '--run=r', '--out=o'], Flags);
    expect(ok).toEqual(E.right({ solver: 'rk4', steps: 7, rtol: 1e-3, atol: 2e-3, draws: 2, seed: 5, run: 'r', out: 'o' }));
    const bad = parseFlags(['--solver=euler'], Flags);
    expect(E.isLeft(bad) && JSON.stringify(bad.left)).toMatch(/solver/);
    expect(E.isLeft(parseFlags(['--steps=0'], Flags))).toBe(true);
    // flagHelp throws a RangeError naming any flag without a text or a default
    const help = flagHelp(t.exact(t.partial(heldOutFields("x:train's default folder"))), { solver: 'rk45', rtol: 1e-5, atol: 1e-5, draws: 1 });
    expect(help.map((h) => h.flag)).toEqual(['--run', '--solver', '--steps', '--rtol', '--atol', '--draws', '--seed', '--out']);
    expect(help.find((h) => h.flag === '--run')?.default).toMatch(/x:train/);
  });

  it('takes each flag given, else the defaults, else the run’s steps and seed', () => {
    const defaults = { solver: 'rk45', rtol: 1e-5, atol: 1e-6, draws: 4 } as const;
    expect(heldOutSettings({}, defaults, { steps: 30, seed: 2 }, 100)).toEqual({ n: 100, solver: 'rk45', steps: 30, rtol: 1e-5, atol: 1e-6, draws: 4, seed: 2 });
    expect(heldOutSettings({ solver: 'rk4', steps: 8, rtol: 1, atol: 2, draws: 1, seed: 9 }, defaults, { steps: 30, seed: 2 }, 5)).toEqual({ n: 5, solver: 'rk4', steps: 8, rtol: 1, atol: 2, draws: 1, seed: 9 });
  });
});
