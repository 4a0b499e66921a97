import { afterEach, describe, expect, it, vi } from 'vitest';
import { DivergenceError } from '@diffflow/training';
import * as t from 'io-ts';
import { commands, EXIT_BAD_INPUT, EXIT_DIVERGED, exitStatusOf, flagCommand, printDryRun, runCli, takeDryRun, withHelp } from './cli.js';
import { documented, intAtLeast, parseFlags } from './config.js';
import { configInvalid, ExperimentFailure, fail, formatError, orThrowSync } from './errors.js';
import { flagsListedIn } from './help.js';

afterEach(() => vi.restoreAllMocks());

/** Runs `runCli` with process.exit and stderr captured; resolves to the exit code (undefined: none) and what was written. */
async function run(program: (argv: readonly string[]) => Promise<void>, argv: readonly string[] = []): Promise<{ code: number | undefined; stderr: string[] }> {
  const stderr: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => stderr.push(String(s)) > 0);
  let code: number | undefined;
  vi.spyOn(process, 'exit').mockImplementation(((c?: number) => {
    code = c;
    throw new Error('exit');
  }) as never);
  await runCli(program, argv).catch((e: unknown) => {
    if (!(e instanceof Error && e.message === 'exit')) throw e;
  });
  return { code, stderr };
}

describe('runCli', () => {
  it('bad input (ExperimentFailure) → one error line and exit 2', async () => {
    const e = configInvalid('--batchSize', 'must be an integer >= 1, got -3');
    const r = await run(async () => fail(e));
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.stderr).toEqual([`error: ${formatError(e)}\n`]);
  });

  it('divergence → one error line naming the checkpoint and exit 3', async () => {
    const r = await run(async () => {
      throw new DivergenceError(4, "loss term 'bound' (NaN)", 'runs/x/checkpoint.bin');
    });
    expect(r.code).toBe(EXIT_DIVERGED);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^error: training diverged at iteration 4: .*checkpoint runs\/x\/checkpoint\.bin holds the last good weights\n$/);
  });

  it('a program that finishes exits with nothing; any other error is rethrown (a bug, exit 1 by Node)', async () => {
    expect(await run(async () => undefined)).toEqual({ code: undefined, stderr: [] });
    const bug = new TypeError('bug');
    await expect(run(async () => Promise.reject(bug))).rejects.toBe(bug);
    expect(exitStatusOf(bug)).toBeUndefined();
  });
});

describe('commands', () => {
  it('dispatches on the first argument and names the allowed commands for an unknown one', async () => {
    const calls: (readonly string[])[] = [];
    const program = commands({ train: async (argv) => void calls.push(argv), sample: async () => undefined }, 'toy2d');
    await program(['train', '--iters=3']);
    expect(calls).toEqual([['--iters=3']]);
    const thrown = await program(['trian']).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ExperimentFailure);
    expect((thrown as Error).message).toMatch(/unknown command 'trian'; usage: toy2d <train\|sample>/);
    await expect(program([])).rejects.toBeInstanceOf(ExperimentFailure);
  });
});

describe('takeDryRun / printDryRun', () => {
  it('takes --dryRun (and =true|false) out of the arguments, leaving the rest in order', () => {
    expect(takeDryRun(['--iters=3', '--dryRun', '--lr=1'])).toEqual({ dryRun: true, argv: ['--iters=3', '--lr=1'] });
    expect(takeDryRun(['--dryRun=true'])).toEqual({ dryRun: true, argv: [] });
    expect(takeDryRun(['--dryRun', '--dryRun=false'])).toEqual({ dryRun: false, argv: [] });
    expect(takeDryRun(['--iters=3'])).toEqual({ dryRun: false, argv: ['--iters=3'] });
  });

  it('prints one JSON line with the command, the flags it accepts and its configuration', () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => out.push(String(s)) > 0);
    printDryRun('toy2d train', { batchSize: 3 }, { batchSize: 'int', resume: 'boolean' });
    expect(out).toEqual(['{"dryRun":"toy2d train","flags":["--batchSize","--resume"],"config":{"batchSize":3}}\n']);
  });
});

describe('withHelp', () => {
  const Flags = t.exact(t.partial({ n: documented(intAtLeast(1), 'Samples.', '3'), workers: documented(intAtLeast(0), 'Threads.', '0') }));
  const ran: (readonly string[])[] = [];
  const command = withHelp({ target: 'demo:sample', summary: 'Draws samples.', codec: Flags }, async (argv) => {
    orThrowSync(parseFlags(argv, Flags));
    ran.push(argv);
  });

  it('`help` prints every flag of the schema and runs nothing', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => out.push(String(s)) > 0);
    await command(['help']);
    await command(['--n=2', '--help']);
    expect(ran).toEqual([]);
    expect(out).toHaveLength(2);
    expect(flagsListedIn(out[0] as string)).toEqual(['--n', '--workers']);
  });

  it('runs the command otherwise; an unknown flag or a stray word names the help command', async () => {
    await command(['--n=2']);
    expect(ran).toEqual([['--n=2']]);
    const unknown = await command(['--nn=2']).catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/^unknown option '--nn'; did you mean '--n'\? \(allowed: --n, --workers\); every option explained: npx nx run demo:sample help$/);
    const stray = await command(['hlep']).catch((e: unknown) => e);
    expect((stray as Error).message).toMatch(/unexpected argument 'hlep'.*; every flag explained: npx nx run demo:sample help$/);
  });
});

describe('flagCommand', () => {
  const Flags = t.exact(t.partial({ n: documented(intAtLeast(1), 'Samples.', '3') }));
  const ran: unknown[] = [];
  const command = flagCommand({ target: 'demo:sample', summary: 'Draws samples.', codec: Flags }, async (flags) => void ran.push(flags));

  it('runs with the decoded flags; --dryRun prints them as the target names the command and runs nothing', async () => {
    await command(['--n=2']);
    expect(ran).toEqual([{ n: 2 }]);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => out.push(String(s)) > 0);
    await command(['--n=4', '--dryRun']);
    expect(ran).toHaveLength(1);
    expect(out).toEqual(['{"dryRun":"demo sample","flags":["--n"],"config":{"n":4}}\n']);
  });

  it('a bad or unknown flag is one error naming it (and the help command), nothing run', async () => {
    const bad = await command(['--n=0']).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ExperimentFailure);
    expect((bad as Error).message).toMatch(/--n|n:/);
    const unknown = await command(['--m=1']).catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/unknown option '--m'.*npx nx run demo:sample help$/);
    expect(ran).toHaveLength(1);
  });
});
