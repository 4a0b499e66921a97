import { describe, expect, it } from 'vitest';
import { formatError } from './errors.js';
import { nxInvocation, nxOptionNames, nxTakenFlag, procTable, type ProcessTable } from './nx_flags.js';

describe('nxOptionNames', () => {
  it('reads the options of an nx command line before any --, in camel case', () => {
    expect(nxOptionNames(['/x/node_modules/.bin/nx', 'run', 'toy2d:train', '--batch=-3', '--skip-nx-cache', '-c', 'prod', '--', '--parallel=2'])).toEqual([
      'batch',
      'skipNxCache',
      'c',
    ]);
    expect(nxOptionNames(['nx', 'run', 'toy2d:train', '--max-parallel', '3'])).toEqual(['maxParallel']);
  });
});

describe('nxTakenFlag', () => {
  it("refuses an Nx-owned flag that the command has a flag for, naming the command's flag", () => {
    const e = nxTakenFlag(['nx', 'run', 'toy2d:train', '--batch=-3'], ['batchSize', 'workers']);
    expect(e === undefined ? '' : formatError(e)).toBe("option '--batch': is taken by Nx and never reaches the command; use --batchSize");
    expect(nxTakenFlag(['nx', 'run', 't:x', '--parallel=3'], ['workers'])).toMatchObject({ field: '--parallel' });
    expect(nxTakenFlag(['nx', 'run', 't:x', '-c', 'x'], ['config'])).toMatchObject({ field: '-c', reason: expect.stringContaining('use --config') });
  });

  it('lets through Nx flags the command has no flag for, and flags after --', () => {
    expect(nxTakenFlag(['nx', 'run', 't:x', '--batch'], ['workers'])).toBeUndefined();
    expect(nxTakenFlag(['nx', 'run', 't:x', '--verbose', '--skipNxCache'], ['batchSize', 'workers', 'config'])).toBeUndefined();
    expect(nxTakenFlag(['nx', 'run', 't:x', '--', '--batch=3'], ['batchSize'])).toBeUndefined();
  });
});

describe('nxInvocation', () => {
  // 100 (nx) → 200 (sh) → this process; 300 is an unrelated nx
  const table: ProcessTable = {
    argsOf: (pid) => (pid === 100 ? ['node', 'nx', 'run', 'toy2d:train', '--batch=-3'] : pid === 300 ? ['node', 'nx', 'run-many', '-t', 'test'] : undefined),
    parentOf: (pid) => (pid === 200 ? 100 : pid === 400 ? 300 : undefined),
  };
  const env = { NX_TASK_TARGET_PROJECT: 'toy2d', NX_TASK_TARGET_TARGET: 'train', NX_INVOCATION_ANCESTOR_PIDS: '100' };

  it("reads the arguments of the nx process that runs this target (the process's parent or grandparent)", () => {
    expect(nxInvocation('toy2d:train', env, 200, table)).toEqual(['node', 'nx', 'run', 'toy2d:train', '--batch=-3']);
    expect(nxInvocation('toy2d:train', env, 100, table)).toEqual(['node', 'nx', 'run', 'toy2d:train', '--batch=-3']);
    expect(nxInvocation('toy2d:train', { ...env, NX_INVOCATION_ANCESTOR_PIDS: '300,100' }, 200, table)).toHaveLength(5);
  });

  it('sees nothing for another task, a process further down, or outside Nx', () => {
    expect(nxInvocation('toy2d:sample', env, 200, table)).toBeUndefined();
    expect(nxInvocation('toy2d:train', { ...env, NX_TASK_TARGET_TARGET: 'test' }, 200, table)).toBeUndefined();
    expect(nxInvocation('toy2d:train', { ...env, NX_INVOCATION_ANCESTOR_PIDS: '300' }, 200, table)).toBeUndefined();
    expect(nxInvocation('toy2d:train', {}, 200, table)).toBeUndefined();
  });

  it('reads this machine\'s own process table (Linux /proc)', () => {
    const args = procTable.argsOf(process.pid);
    if (process.platform === 'linux') {
      expect(args?.[0]).toMatch(/node/);
      expect(procTable.parentOf(process.pid)).toBe(process.ppid);
    }
    expect(procTable.argsOf(-1)).toBeUndefined();
  });
});
