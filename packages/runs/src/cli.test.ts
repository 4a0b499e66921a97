import { afterEach, describe, expect, it, vi } from 'vitest';
import { DivergenceError } from '@diffflow/training';
import { commands, EXIT_BAD_INPUT, EXIT_DIVERGED, exitStatusOf, printDryRun, runCli, takeDryRun } from './cli.js';
import { configInvalid, ExperimentFailure, fail, formatError } from './errors.js';

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
