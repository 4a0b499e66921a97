/**
 * The one runner every experiment command goes through. Library code and commands throw typed
 * errors; only this module turns them into an `error:` line on stderr and an exit code:
 *
 * | code | when |
 * |------|------|
 * | 0 | the command finished |
 * | 2 | bad input: a flag, config value, data file, checkpoint or output folder (`ExperimentFailure`) — nothing written |
 * | 3 | training diverged (`DivergenceError`); the checkpoint holds the last good weights |
 * | 1 | anything else: a bug, reported with its stack |
 */
import { DivergenceError } from '@diffflow/training';
import { COMMAND_LINE_FIELD, flagsOf, parseFlags, type Codec, type FieldKind } from './config.js';
import { configInvalid, ExperimentFailure, fail, orThrowSync, type ExperimentError } from './errors.js';
import { formatHelp, HELP_COMMAND, usageOf, wantsHelp, type CommandHelp } from './help.js';
import { nxInvocation, nxTakenFlag } from './nx_flags.js';

/** Exit code of bad input (a flag, a config value, a file, an output folder). */
export const EXIT_BAD_INPUT = 2;
/** Exit code of a training run that diverged. */
export const EXIT_DIVERGED = 3;

/** The exit code and one-line message of an error the runner knows; undefined for anything else. */
export function exitStatusOf(e: unknown): { readonly code: number; readonly line: string } | undefined {
  if (e instanceof ExperimentFailure) return { code: EXIT_BAD_INPUT, line: e.message };
  if (e instanceof DivergenceError) return { code: EXIT_DIVERGED, line: e.message };
  return undefined;
}

/** A command of a CLI: its arguments after the command name. */
export type Command = (argv: readonly string[]) => Promise<void>;

/**
 * One program from named commands (`toy2d train …`, `toy2d sample …`): the first argument picks
 * the command; a missing or unknown one fails with `ConfigInvalid` naming the allowed commands.
 */
export function commands(table: Readonly<Record<string, Command>>, program: string): Command {
  return async (argv) => {
    const [name, ...rest] = argv;
    const command = name !== undefined && Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
    if (command === undefined) {
      const names = Object.keys(table);
      return fail(
        configInvalid(COMMAND_LINE_FIELD, `unknown command '${name ?? ''}'; usage: ${program} <${names.join('|')}> [--flag=value …]`),
      );
    }
    await command(rest);
  };
}

/**
 * Runs `program` on the process's arguments and owns the exit code (see the table above): an
 * error the runner knows prints `error: <line>` and exits with its code; any other error is
 * rethrown (Node prints it and exits with 1).
 */
export async function runCli(program: Command, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    await program(argv);
  } catch (e) {
    const status = exitStatusOf(e);
    if (status === undefined) throw e;
    process.stderr.write(`error: ${status.line}\n`);
    process.exit(status.code);
  }
}

/** The switch every experiment command takes to decode its flags, print them and stop. */
export const DRY_RUN_FLAG = '--dryRun';

/**
 * Takes `--dryRun` (or `--dryRun=true|false`) out of `argv`: with it, a command decodes and
 * checks its configuration exactly as it would run, prints it ({@link printDryRun}) and exits 0
 * having read no data and written nothing — how a user (and the flag tests) sees what arrived.
 */
export function takeDryRun(argv: readonly string[]): { readonly dryRun: boolean; readonly argv: readonly string[] } {
  let dryRun = false;
  const rest: string[] = [];
  for (const arg of argv) {
    if (arg === DRY_RUN_FLAG || arg === `${DRY_RUN_FLAG}=true`) dryRun = true;
    else if (arg === `${DRY_RUN_FLAG}=false`) dryRun = false;
    else rest.push(arg);
  }
  return { dryRun, argv: rest };
}

/**
 * Prints `{"dryRun": command, "flags": [...], "config": …}` as one JSON line on stdout: the
 * command, every flag it accepts (`--name`) and the configuration its flags decoded to.
 */
export function printDryRun(command: string, config: unknown, flags: Readonly<Record<string, FieldKind>>): void {
  process.stdout.write(`${JSON.stringify({ dryRun: command, flags: Object.keys(flags).map((f) => `--${f}`), config })}\n`);
}

/**
 * A command with its help: `help` (or `--help` where it reaches the command) prints
 * {@link formatHelp} of `help` on stdout and stops; a run that `nx` started with a flag Nx took
 * for itself and the command has a flag for (`--batch` for `--batchSize`, see `nxTakenFlag`) when
 * running its target `help.target` is refused before anything runs; an unknown flag's error names the help command.
 * @param run the command itself.
 */
export function withHelp(help: CommandHelp, run: Command): Command {
  const helpCommand = `${usageOf(help)} ${HELP_COMMAND}`;
  const pointToHelp = (e: ExperimentError): ExperimentError => {
    if (e._tag === 'UnknownKey' && e.key.startsWith('-') && e.help === undefined) return { ...e, help: helpCommand };
    if (e._tag === 'ConfigInvalid' && e.field === COMMAND_LINE_FIELD) return { ...e, reason: `${e.reason}; every flag explained: ${helpCommand}` };
    return e;
  };
  return async (argv) => {
    if (wantsHelp(argv)) {
      process.stdout.write(formatHelp(help));
      return;
    }
    const invocation = nxInvocation(help.target);
    if (invocation !== undefined) {
      const flags = [...Object.keys(flagsOf(help.codec)), ...(help.extraFlags ?? []).map((f) => f.flag.replace(/^--/, ''))];
      const taken = nxTakenFlag(invocation, flags);
      if (taken !== undefined) return fail(pointToHelp(taken));
    }
    try {
      await run(argv);
    } catch (e) {
      if (e instanceof ExperimentFailure) {
        const pointed = pointToHelp(e.error);
        if (pointed !== e.error) throw new ExperimentFailure(pointed);
      }
      throw e;
    }
  };
}

/**
 * A command whose flags are exactly its help's `codec`, decoded strictly (`parseFlags`: every bad
 * or unknown flag one error naming it), with {@link withHelp}'s help and `--dryRun` (prints the
 * decoded flags, {@link printDryRun}, as the command named by the target — 'images:eval' →
 * 'images eval' — and runs nothing).
 * @param run the command, given the decoded flags
 */
export function flagCommand<A>(help: CommandHelp & { readonly codec: Codec<A> }, run: (flags: A) => Promise<void>): Command {
  return withHelp(help, async (args) => {
    const { dryRun, argv } = takeDryRun(args);
    const flags = orThrowSync(parseFlags(argv, help.codec));
    if (dryRun) return printDryRun(help.target.replace(':', ' '), flags, flagsOf(help.codec));
    await run(flags);
  });
}
