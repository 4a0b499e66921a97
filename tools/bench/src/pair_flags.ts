/**
 * The flags of the bench's A/B scripts (`versus_tree`, `optimizer_step`, `score_pass`,
 * `weight_gradients`): `--name value` pairs, integers checked with one line naming the flag and what
 * is allowed, exit code 2.
 */

/** `--name value` pairs of `argv` as a record (`--hidden 64 --base /tmp/b` → { hidden: '64', base: '/tmp/b' }). */
export function parsePairs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) out[(argv[i] as string).replace(/^--/, '')] = argv[i + 1] as string;
  return out;
}

/** A tool's flags: the raw pairs, checked integers and required strings. */
export interface PairFlags {
  /** The pairs as given. */
  readonly raw: Readonly<Record<string, string>>;
  /** `--name` as an integer ≥ `min` (default 0), `fallback` when absent; anything else fails naming the flag. */
  integer(name: string, fallback: number, min?: number): number;
  /** `--name` as given; absent fails with `what` (e.g. "a checkout of the other commit"). */
  required(name: string, what: string): string;
  /** Fails with `<tool>: <message>`. */
  fail(message: string): never;
}

/**
 * The flags of `tool` from `argv` (default: this process's). A bad flag calls `exit` with one line
 * (default: print it to stderr and exit with code 2).
 */
export function pairFlags(tool: string, argv: readonly string[] = process.argv.slice(2), exit: (line: string) => never = exitWith2): PairFlags {
  const raw = parsePairs(argv);
  const fail = (message: string): never => exit(`${tool}: ${message}`);
  return {
    raw,
    integer(name, fallback, min = 0) {
      const v = raw[name] === undefined ? fallback : Number(raw[name]);
      if (!Number.isInteger(v) || v < min) return fail(`--${name} must be an integer ≥ ${min}, got '${raw[name]}'`);
      return v;
    },
    required(name, what) {
      const v = raw[name];
      if (v === undefined) return fail(`--${name} <${what}> is required`);
      return v;
    },
    fail,
  };
}

function exitWith2(line: string): never {
  console.error(line);
  process.exit(2);
}
