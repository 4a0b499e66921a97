/**
 * Flags Nx keeps for itself. `npx nx run toy2d:train --batch=-3` never hands `--batch` to the
 * command (Nx reads it as its own batch mode), so the command would run its defaults silently. Nx
 * leaves one trace: it sets `NX_INVOCATION_ANCESTOR_PIDS` to the process id of the `nx` command it
 * runs as, and on Linux `/proc/<pid>/cmdline` holds that command's arguments. A command started by
 * that `nx` (its parent, or the shell Nx starts it in) reads them and refuses a flag Nx took that
 * it has a flag of its own for. Where there is no `/proc` (macOS, Windows) nothing is seen; the
 * experiments' README states the limit.
 */
import { readFileSync } from 'node:fs';
import { configInvalid, type ExperimentError } from './errors.js';

/**
 * Flags `nx run` takes for itself that a user may mean for the command (nx 24), each with the
 * command's flag that does what they meant. Nx-owned flags with no meaning to a command
 * (`--verbose`, `--skipNxCache`, `--graph`, …) are Nx's alone and not listed.
 */
export const nxOwnedFlags: Readonly<Record<string, string>> = {
  batch: 'batchSize',
  parallel: 'workers',
  maxParallel: 'workers',
  configuration: 'config',
  c: 'config',
};

/** `--max-parallel=3` → 'maxParallel'; undefined for a token that is not an option. */
function optionName(token: string): string | undefined {
  const m = /^--?([A-Za-z][A-Za-z0-9-]*)(=.*)?$/.exec(token);
  if (m === null) return undefined;
  return (m[1] as string).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The option names in the arguments of an `nx` command, before any `--` (what follows `--` reaches the command). */
export function nxOptionNames(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).flatMap((a) => {
    const name = optionName(a);
    return name === undefined ? [] : [name];
  });
}

/** How the process table is read (replaced in tests). */
export interface ProcessTable {
  /** The arguments of process `pid` (its `/proc/<pid>/cmdline`); undefined when it cannot be read. */
  readonly argsOf: (pid: number) => readonly string[] | undefined;
  /** The parent of `pid`; undefined when unknown. */
  readonly parentOf: (pid: number) => number | undefined;
}

/** The Linux `/proc` table; every read that fails answers undefined. */
export const procTable: ProcessTable = {
  argsOf: (pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    } catch {
      return undefined;
    }
  },
  parentOf: (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
    } catch {
      return undefined;
    }
  },
};

/**
 * The arguments of the `nx` command that started this process as the task `target`
 * (`toy2d:train`), when it did: Nx names the task it runs (`NX_TASK_TARGET_PROJECT`,
 * `NX_TASK_TARGET_TARGET`) and the `nx` process is this one's parent or grandparent (Nx runs a
 * target's command in a shell). Undefined otherwise — not under Nx, another task (a test run by
 * `nx run-many -t test` inherits the variables), or no readable process table.
 */
export function nxInvocation(target: string, env: NodeJS.ProcessEnv = process.env, ppid: number = process.ppid, table: ProcessTable = procTable): readonly string[] | undefined {
  if (`${env['NX_TASK_TARGET_PROJECT'] ?? ''}:${env['NX_TASK_TARGET_TARGET'] ?? ''}` !== target) return undefined;
  const pids = (env['NX_INVOCATION_ANCESTOR_PIDS'] ?? '').split(',').map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0);
  if (pids.length === 0) return undefined;
  const grandparent = table.parentOf(ppid);
  const nx = pids.find((p) => p === ppid || p === grandparent);
  return nx === undefined ? undefined : table.argsOf(nx);
}

/**
 * The first flag of `nxArgs` (an `nx` command's arguments) that Nx took for itself and that the
 * command has a flag for ({@link nxOwnedFlags}), as `ConfigInvalid {field: '--batch', reason:
 * 'is taken by Nx and never reaches the command; use --batchSize'}`; undefined when there is none.
 * @param commandFlags the command's flags, without dashes (`batchSize`, `config`, …).
 */
export function nxTakenFlag(nxArgs: readonly string[], commandFlags: readonly string[]): ExperimentError | undefined {
  const own = new Set(commandFlags);
  for (const name of nxOptionNames(nxArgs)) {
    const meant = Object.prototype.hasOwnProperty.call(nxOwnedFlags, name) ? nxOwnedFlags[name] : undefined;
    if (meant !== undefined && own.has(meant))
      return configInvalid(`${name.length === 1 ? '-' : '--'}${name}`, `is taken by Nx and never reaches the command; use --${meant}`);
  }
  return undefined;
}
