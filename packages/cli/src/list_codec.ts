/**
 * A list field of a configuration whose command-line form is comma-separated text
 * (`--sharpness=checkerboard,olympic`, `--stepsList=5,10,20`); in a config file it may also be a
 * JSON array.
 */
import * as t from 'io-ts';
import { describedAs } from './config.js';

/** What {@link commaList} accepts besides a non-empty list. */
export interface CommaListOptions {
  /**
   * Also accept the empty list, written '' or 'none' (or `[]`), described by this text in help and
   * errors (e.g. "'none' or a comma-separated list of toy datasets (…)"); the codec is named `${name}OrNone`.
   */
  readonly orNone?: string;
}

/**
 * A list codec: a comma-separated string (items trimmed) or an array of strings or numbers, each
 * item read by `item` (undefined: not allowed), repeats dropped (the first kept, order kept).
 * A bad or empty list fails with "must be `description`".
 * @param name the codec's name  @param description what it allows ("a non-empty comma-separated list of …")
 * @example
 * const steps = commaList('StepList', 'a non-empty comma-separated list of integers >= 1', (s) => (/^\d+$/.test(s) && +s >= 1 ? +s : undefined));
 * steps.decode('5, 10,5'); // right([5, 10])
 */
export function commaList<A>(name: string, description: string, item: (text: string) => A | undefined, options: CommaListOptions = {}): t.Type<A[], A[], unknown> {
  const parse = (u: unknown): A[] | undefined => {
    const parts = typeof u === 'string' ? u.split(',').map((s) => s.trim()) : Array.isArray(u) ? u : undefined;
    if (parts === undefined || parts.length === 0) return undefined;
    const out: A[] = [];
    for (const p of parts) {
      const v = typeof p === 'string' || typeof p === 'number' ? item(String(p)) : undefined;
      if (v === undefined) return undefined;
      if (!out.includes(v)) out.push(v);
    }
    return out;
  };
  const list = describedAs(
    new t.Type<A[], A[], unknown>(
      name,
      (u): u is A[] => Array.isArray(u) && parse(u) !== undefined,
      (u, c) => {
        const v = parse(u);
        return v === undefined ? t.failure(u, c, `must be ${description}`) : t.success(v);
      },
      t.identity,
    ),
    description,
  );
  if (options.orNone === undefined) return list;
  return describedAs(
    new t.Type<A[], A[], unknown>(
      `${name}OrNone`,
      (u): u is A[] => Array.isArray(u) && (u.length === 0 || list.is(u)),
      (u, c) => (u === '' || u === 'none' || (Array.isArray(u) && u.length === 0) ? t.success([]) : list.validate(u, c)),
      t.identity,
    ),
    options.orNone,
  );
}

/** The item reader of a list of names: `text` itself when it is one of `names`. */
export function nameIn<const N extends string>(names: readonly N[]): (text: string) => N | undefined {
  return (text) => ((names as readonly string[]).includes(text) ? (text as N) : undefined);
}
