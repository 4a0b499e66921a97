/**
 * Help for a command, generated from the io-ts schema that decodes its flags: every flag with its
 * kind, what it sets (the text {@link documented} attached where the schema is built), what it
 * allows ({@link describeCodec}) and its default. Nx owns `--help` (`npx nx run toy2d:train
 * --help` prints Nx's own options and never starts the command), so the help is a command word
 * that arrives: `npx nx run toy2d:train help`.
 */
import type * as t from 'io-ts';
import { describeCodec, flagCodecs, flagsOf, helpOf, showValue, type FieldKind } from './config.js';

/** The word after a target that prints its help instead of running it. */
export const HELP_COMMAND = 'help';

/** One flag as the help shows it. */
export interface FlagHelp {
  /** `--name` (nested fields dotted: `--diffflow.lr`). */
  readonly flag: string;
  /** How the text after `=` is read: 'int', 'number', 'string', or 'boolean' (a switch). */
  readonly kind: FieldKind;
  /** What the flag sets. */
  readonly text: string;
  /** What the flag allows, in words. */
  readonly allowed: string;
  /** The default: a value of the command's defaults, or the field's default text. */
  readonly default: string;
}

/** What a command's help is made of. */
export interface CommandHelp {
  /** The command's Nx target, `project:target` (`toy2d:train`): started as `npx nx run toy2d:train`. */
  readonly target: string;
  /** What the command does, in a sentence or two. */
  readonly summary: string;
  /** The schema the command decodes its flags with. */
  readonly codec: t.Decoder<any, any>;
  /** The values an absent flag takes (a train command's defaults); fields without one use their default text. */
  readonly defaults?: unknown;
  /** Defaults in words that this command gives fields in place of their own default text ({n: "the run's --samples"}). */
  readonly defaultTexts?: Readonly<Record<string, string>>;
  /** Flags the command reads outside the schema (`--config`), each fully described. */
  readonly extraFlags?: readonly FlagHelp[];
}

const at = (value: unknown, dotted: string): unknown =>
  dotted.split('.').reduce<unknown>((acc, k) => (typeof acc === 'object' && acc !== null && Object.prototype.hasOwnProperty.call(acc, k) ? (acc as Record<string, unknown>)[k] : undefined), value);

/**
 * Every flag of `codec` ({@link flagsOf}, in the schema's order) with its help; its default is its
 * value in `defaults`, else its text in `defaultTexts`, else the field's own default text. Throws a
 * RangeError naming every flag without a text ({@link documented}) or without a default, so a new
 * flag cannot go undocumented.
 */
export function flagHelp(codec: t.Decoder<any, any>, defaults?: unknown, defaultTexts: Readonly<Record<string, string>> = {}): FlagHelp[] {
  const kinds = flagsOf(codec);
  const missing: string[] = [];
  const out: FlagHelp[] = [];
  for (const [name, field] of Object.entries(flagCodecs(codec))) {
    const help = helpOf(field);
    const value = at(defaults, name);
    const text = Object.prototype.hasOwnProperty.call(defaultTexts, name) ? defaultTexts[name] : undefined;
    const shown = value !== undefined ? showDefault(value) : (text ?? help?.default);
    if (help === undefined || shown === undefined) {
      missing.push(`--${name}${help === undefined ? ' (no text)' : ' (no default)'}`);
      continue;
    }
    out.push({ flag: `--${name}`, kind: kinds[name] as FieldKind, text: help.text, allowed: describeCodec(field), default: shown });
  }
  if (missing.length > 0) throw new RangeError(`flagHelp(codec): '${codec.name}' has flags without help; attach it with documented(codec, text, default?): ${missing.join(', ')}`);
  return out;
}

function showDefault(value: unknown): string {
  if (value === '') return "'' (empty)";
  if (Array.isArray(value) && value.length === 0) return '[] (none)';
  return showValue(value);
}

/** How a command is started: `npx nx run <target>`. */
export function usageOf(help: Pick<CommandHelp, 'target'>): string {
  return `npx nx run ${help.target}`;
}

const WIDTH = 96;

/** `text` in lines of at most {@link WIDTH} characters, each indented by `indent`. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
}

const placeholder: Record<FieldKind, string> = { int: '=<int>', number: '=<number>', string: '=<text>', boolean: '' };

/**
 * The help text of a command: usage, summary, then each flag (`--name=<kind>`, what it sets,
 * `allowed: …; default: …`), then the switches every command takes (`--dryRun`, `help`).
 */
export function formatHelp(help: CommandHelp): string {
  const usage = usageOf(help);
  const flags = [...flagHelp(help.codec, help.defaults, help.defaultTexts), ...(help.extraFlags ?? [])];
  const blocks = flags.map((f) =>
    [`  ${f.flag}${placeholder[f.kind]}${f.kind === 'boolean' ? `   (a switch: ${f.flag}, or ${f.flag}=true|false)` : ''}`, wrap(f.text, '      '), wrap(`allowed: ${f.allowed}; default: ${f.default}`, '      ')].join('\n'),
  );
  return [
    `Usage: ${usage} [--flag=value …]`,
    '',
    wrap(help.summary, ''),
    '',
    'Flags:',
    blocks.join('\n\n'),
    '',
    'Every command also takes:',
    '  --dryRun',
    wrap('Decode and check the flags exactly as the command would run, print the configuration as one JSON line and stop (nothing read or written).', '      '),
    `  ${HELP_COMMAND}`,
    wrap(`This text: ${usage} ${HELP_COMMAND}`, '      '),
    '',
  ].join('\n');
}

/** The flag names a help text lists under `Flags:` (`--name` at the start of an indented line), in order: what tests compare with the schema. */
export function flagsListedIn(helpText: string): string[] {
  const start = helpText.indexOf('\nFlags:\n');
  const end = helpText.indexOf('\nEvery command also takes:');
  const block = helpText.slice(start === -1 ? 0 : start, end === -1 ? undefined : end);
  return [...block.matchAll(/^ {2}(--[A-Za-z0-9_.]+)/gm)].map((m) => m[1] as string);
}

/** Whether `argv` asks for help: the word {@link HELP_COMMAND} alone, or `--help` / `-h` where it reaches the command. */
export function wantsHelp(argv: readonly string[]): boolean {
  return (argv.length === 1 && argv[0] === HELP_COMMAND) || argv.some((a) => a === '--help' || a === '-h');
}
