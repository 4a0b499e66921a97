/**
 * Configuration at the boundary: io-ts schemas decoded strictly (unknown keys are errors, at
 * every level), command-line overrides, an optional `--config=file.json`, and one merge order:
 * defaults ← config file ← command line.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { configInvalid, fileMalformed, fromFsError, unknownKey, type ExperimentError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// codecs that carry what they allow

const descriptions = new WeakMap<object, string>();

/**
 * Attaches a description of what `codec` allows ("a learning rate > 0") to be used in error
 * messages instead of the generic one. Returns `codec` itself.
 */
export function describedAs<C extends t.Any>(codec: C, description: string): C {
  descriptions.set(codec, description);
  return codec;
}

/** What a field means, for `--help` (see {@link documented}). */
export interface FieldHelp {
  /** What the field sets, in a sentence or two. */
  readonly text: string;
  /** The default in words, for fields whose default is not a value of the command's defaults ("the run's"). */
  readonly default?: string;
}

const helps = new WeakMap<object, FieldHelp>();

/**
 * `codec` with what its field means attached, for the help a command prints (`help` of
 * `commandHelp`): a distinct codec that decodes, validates and describes exactly as `codec`
 * (shared codecs such as `t.boolean` stay unmarked). `defaultText` names the default when the
 * command has no defaults value for the field. Throws a RangeError for an empty text.
 */
export function documented<C extends t.Any>(codec: C, text: string, defaultText?: string): C {
  if (text.trim() === '') throw new RangeError('documented(text): the help text is empty');
  if (defaultText !== undefined && defaultText.trim() === '') throw new RangeError('documented(defaultText): the default text is empty');
  const copy = Object.create(codec) as C;
  const description = descriptions.get(codec);
  if (description !== undefined) descriptions.set(copy, description);
  const kind = numberKinds.get(codec);
  if (kind !== undefined) numberKinds.set(copy, kind);
  helps.set(copy, defaultText === undefined ? { text } : { text, default: defaultText });
  return copy;
}

/** The help {@link documented} attached to `codec`; undefined when it has none. */
export function helpOf(codec: AnyDecoder): FieldHelp | undefined {
  return helps.get(codec);
}

/** The command-line kind of the number codecs built here (see {@link flagsOf}). */
const numberKinds = new WeakMap<object, 'int' | 'number'>();

function numberCodec(name: string, description: string, ok: (n: number) => boolean, kind: 'int' | 'number'): t.Type<number, number, unknown> {
  const is = (u: unknown): u is number => typeof u === 'number' && ok(u);
  const codec = describedAs(
    new t.Type<number, number, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c, `must be ${description}`)), t.identity),
    description,
  );
  numberKinds.set(codec, kind);
  return codec;
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name}: must be a finite number, got ${value}`);
}

/** An integer ≥ `min`. */
export function intAtLeast(min: number): t.Type<number, number, unknown> {
  requireFinite('intAtLeast(min)', min);
  return numberCodec(`IntAtLeast<${min}>`, `an integer >= ${min}`, (n) => Number.isInteger(n) && n >= min, 'int');
}

/** An integer in [`lo`, `hi`]. */
export function intInRange(lo: number, hi: number): t.Type<number, number, unknown> {
  requireFinite('intInRange(lo)', lo);
  requireFinite('intInRange(hi)', hi);
  if (lo > hi) throw new RangeError(`intInRange: lo must be <= hi, got [${lo}, ${hi}]`);
  return numberCodec(`IntInRange<${lo},${hi}>`, `an integer from ${lo} to ${hi}`, (n) => Number.isInteger(n) && n >= lo && n <= hi, 'int');
}

/** A finite number > `min` (exclusive). */
export function numberAbove(min: number): t.Type<number, number, unknown> {
  requireFinite('numberAbove(min)', min);
  return numberCodec(`NumberAbove<${min}>`, `a number > ${min}`, (n) => Number.isFinite(n) && n > min, 'number');
}

/** A finite number ≥ `min`. */
export function numberAtLeast(min: number): t.Type<number, number, unknown> {
  requireFinite('numberAtLeast(min)', min);
  return numberCodec(`NumberAtLeast<${min}>`, `a number >= ${min}`, (n) => Number.isFinite(n) && n >= min, 'number');
}

/** A finite number in [`lo`, `hi`] (both inclusive). */
export function numberInRange(lo: number, hi: number): t.Type<number, number, unknown> {
  requireFinite('numberInRange(lo)', lo);
  requireFinite('numberInRange(hi)', hi);
  if (lo > hi) throw new RangeError(`numberInRange: lo must be <= hi, got [${lo}, ${hi}]`);
  return numberCodec(`NumberInRange<${lo},${hi}>`, `a number from ${lo} to ${hi}`, (n) => Number.isFinite(n) && n >= lo && n <= hi, 'number');
}

/** One of a closed list of strings; the static type is the union of the listed literals. */
export function oneOf<const V extends readonly string[]>(values: V): t.Type<V[number], V[number], unknown> {
  if (values.length === 0) throw new RangeError('oneOf(values): the list of allowed values is empty');
  const allowed = new Set<string>(values);
  const description = `one of ${values.map((v) => `'${v}'`).join(', ')}`;
  const is = (u: unknown): u is V[number] => typeof u === 'string' && allowed.has(u);
  return describedAs(
    new t.Type<V[number], V[number], unknown>(
      `OneOf<${values.join('|')}>`,
      is,
      (u, c) => (is(u) ? t.success(u) : t.failure(u, c, `must be ${description}`)),
      t.identity,
    ),
    description,
  );
}

// ---------------------------------------------------------------------------------------------
// describing codecs

/** The structural view of the io-ts codecs this module understands. */
type Tagged =
  | { _tag: 'InterfaceType' | 'StrictType' | 'PartialType'; props: Record<string, t.Mixed> }
  | { _tag: 'ExactType' | 'ReadonlyType' | 'RefinementType' | 'RecursiveType'; type: t.Mixed; name: string }
  | { _tag: 'IntersectionType' | 'UnionType' | 'TupleType'; types: readonly t.Mixed[] }
  | { _tag: 'ArrayType' | 'ReadonlyArrayType'; type: t.Mixed }
  | { _tag: 'DictionaryType'; codomain: t.Mixed }
  | { _tag: 'LiteralType'; value: unknown }
  | { _tag: 'KeyofType'; keys: Record<string, unknown> }
  | { _tag: 'NumberType' | 'StringType' | 'BooleanType' | 'NullType' | 'UndefinedType' | 'VoidType' | 'UnknownRecordType' | 'AnyDictionaryType' };

type AnyDecoder = t.Decoder<any, any>;

function tagged(codec: AnyDecoder): Tagged | undefined {
  return '_tag' in codec ? (codec as unknown as Tagged) : undefined;
}

const showLiteral = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

/** What a codec allows, in words ("an integer >= 1", "one of 'a', 'b'", "an object with keys x, y"). */
export function describeCodec(codec: AnyDecoder): string {
  const own = descriptions.get(codec);
  if (own !== undefined) return own;
  const c = tagged(codec);
  if (c === undefined) return codec.name;
  switch (c._tag) {
    case 'NumberType':
      return 'a number';
    case 'StringType':
      return 'a string';
    case 'BooleanType':
      return 'true or false';
    case 'NullType':
      return 'null';
    case 'UndefinedType':
    case 'VoidType':
      return 'absent';
    case 'UnknownRecordType':
    case 'AnyDictionaryType':
    case 'DictionaryType':
      return 'an object';
    case 'LiteralType':
      return showLiteral(c.value);
    case 'KeyofType':
      return `one of ${Object.keys(c.keys).map(showLiteral).join(', ')}`;
    case 'ExactType':
    case 'ReadonlyType':
    case 'RecursiveType':
      return describeCodec(c.type);
    case 'RefinementType':
      return c.name === 'Int' ? 'an integer' : `${describeCodec(c.type)} (${c.name})`;
    case 'UnionType': {
      const literals = c.types.map(tagged);
      if (literals.every((m) => m?._tag === 'LiteralType'))
        return `one of ${literals.map((m) => showLiteral((m as { value: unknown }).value)).join(', ')}`;
      return c.types.map(describeCodec).join(' or ');
    }
    case 'InterfaceType':
    case 'StrictType':
    case 'PartialType':
    case 'IntersectionType': {
      const shape = shapeOf(codec);
      return shape.kind === 'object' ? `an object with keys ${[...shape.props.keys()].join(', ')}` : codec.name;
    }
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return `a list (each ${describeCodec(c.type)})`;
    case 'TupleType':
      return `a list of ${c.types.length} values (${c.types.map(describeCodec).join(', ')})`;
    default:
      return codec.name;
  }
}

// ---------------------------------------------------------------------------------------------
// unknown keys, at every nesting level

type Shape =
  | { kind: 'object'; props: Map<string, t.Mixed[]> }
  | { kind: 'union'; members: readonly t.Mixed[] }
  | { kind: 'array'; element: t.Mixed }
  | { kind: 'tuple'; elements: readonly t.Mixed[] }
  | { kind: 'record'; value: t.Mixed }
  | { kind: 'leaf' };

function shapeOf(codec: AnyDecoder): Shape {
  const c = tagged(codec);
  if (c === undefined) return { kind: 'leaf' };
  switch (c._tag) {
    case 'InterfaceType':
    case 'StrictType':
    case 'PartialType':
      return { kind: 'object', props: new Map(Object.entries(c.props).map(([k, v]) => [k, [v]])) };
    case 'ExactType':
    case 'ReadonlyType':
    case 'RefinementType':
    case 'RecursiveType':
      return shapeOf(c.type);
    case 'IntersectionType': {
      const props = new Map<string, t.Mixed[]>();
      for (const member of c.types) {
        const s = shapeOf(member);
        if (s.kind !== 'object') return { kind: 'leaf' };
        for (const [k, v] of s.props) props.set(k, [...(props.get(k) ?? []), ...v]);
      }
      return { kind: 'object', props };
    }
    case 'UnionType':
      return { kind: 'union', members: c.types };
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return { kind: 'array', element: c.type };
    case 'TupleType':
      return { kind: 'tuple', elements: c.types };
    case 'DictionaryType':
      return { kind: 'record', value: c.codomain };
    default:
      return { kind: 'leaf' };
  }
}

type Path = readonly (string | number)[];

interface KeyReport {
  readonly path: Path;
  readonly allowed: readonly string[];
}

/** A plain object (`{}` literal or JSON object), as opposed to arrays, class instances, null. */
export function isPlainObject(u: unknown): u is Record<string, unknown> {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false;
  const proto = Object.getPrototypeOf(u) as unknown;
  return proto === Object.prototype || proto === null;
}

function findUnknownKey(codec: AnyDecoder, value: unknown, path: Path): KeyReport | undefined {
  const shape = shapeOf(codec);
  switch (shape.kind) {
    case 'object': {
      if (!isPlainObject(value)) return undefined;
      for (const key of Object.keys(value))
        if (!shape.props.has(key)) return { path: [...path, key], allowed: [...shape.props.keys()] };
      for (const [key, codecs] of shape.props) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        const report = firstOf(codecs, value[key], [...path, key]);
        if (report !== undefined) return report;
      }
      return undefined;
    }
    case 'union':
      return firstOf(shape.members, value, path);
    case 'array':
      if (!Array.isArray(value)) return undefined;
      for (let i = 0; i < value.length; i++) {
        const report = findUnknownKey(shape.element, value[i], [...path, i]);
        if (report !== undefined) return report;
      }
      return undefined;
    case 'tuple':
      if (!Array.isArray(value)) return undefined;
      for (let i = 0; i < Math.min(value.length, shape.elements.length); i++) {
        const element = shape.elements[i];
        const report = element === undefined ? undefined : findUnknownKey(element, value[i], [...path, i]);
        if (report !== undefined) return report;
      }
      return undefined;
    case 'record':
      if (!isPlainObject(value)) return undefined;
      for (const [key, v] of Object.entries(value)) {
        const report = findUnknownKey(shape.value, v, [...path, key]);
        if (report !== undefined) return report;
      }
      return undefined;
    case 'leaf':
      return undefined;
  }
}

/**
 * For a value that several codecs may describe (union members, intersection members sharing a
 * key): fine if one of them finds no unknown key; otherwise the report of the member the value
 * decodes with, else of the first member.
 */
function firstOf(codecs: readonly t.Mixed[], value: unknown, path: Path): KeyReport | undefined {
  const reports: { codec: t.Mixed; report: KeyReport }[] = [];
  for (const codec of codecs) {
    const report = findUnknownKey(codec, value, path);
    if (report === undefined) return undefined;
    reports.push({ codec, report });
  }
  return (reports.find((r) => E.isRight(r.codec.decode(value))) ?? reports[0])?.report;
}

/** `model.layers[2].width` */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out === '' ? '(root)' : out;
}

// ---------------------------------------------------------------------------------------------
// decoding

/** A value (or where it came from) as the user wrote it, shortened for a one-line message. */
export function showValue(u: unknown): string {
  let s: string;
  if (typeof u === 'string') s = `'${u}'`;
  else if (typeof u === 'number' || typeof u === 'bigint' || typeof u === 'boolean' || u === undefined) s = String(u);
  else {
    try {
      s = JSON.stringify(u) ?? String(u);
    } catch {
      s = String(u);
    }
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isMemberOf = (parent: AnyDecoder | undefined): boolean => {
  const tag = parent === undefined ? undefined : tagged(parent)?._tag;
  return tag === 'UnionType' || tag === 'IntersectionType';
};

/** The field path and a reason naming what is allowed, for the first io-ts validation error. */
function describeValidationError(error: t.ValidationError | undefined): { path: Path; reason: string } {
  if (error === undefined) return { path: [], reason: 'is invalid' };
  const context = error.context;
  const path: (string | number)[] = [];
  let field = context[0];
  for (let i = 1; i < context.length; i++) {
    const entry = context[i];
    const parent = context[i - 1];
    if (entry === undefined || isMemberOf(parent?.type)) continue;
    const parentTag = parent === undefined ? undefined : tagged(parent.type)?._tag;
    const isIndex = parentTag === 'ArrayType' || parentTag === 'ReadonlyArrayType' || parentTag === 'TupleType';
    path.push(isIndex ? Number(entry.key) : entry.key);
    field = entry;
  }
  if (field === undefined) return { path, reason: error.message ?? 'is invalid' };
  const allowed = describeCodec(field.type);
  const reason = field.actual === undefined ? `is missing; must be ${allowed}` : `must be ${allowed}, got ${showValue(field.actual)}`;
  return { path, reason };
}

/** The codec a strict decode takes: anything io-ts that decodes unknown input to `A`. */
export type Codec<A> = t.Type<A, unknown, unknown>;

/**
 * Decodes `raw` with `codec`, rejecting keys the schema does not name, at every nesting level of
 * plain objects (io-ts itself ignores or strips them). Unknown keys are checked first (a typo
 * usually also makes a required field look missing), then the value is validated.
 *
 * @param allowedKeys the keys allowed at the top level, when they should differ from the codec's
 *   own (an opaque codec, or keys tolerated and ignored); nested levels always follow the codec.
 * @returns the decoded value, `UnknownKey {key: 'model.widht', allowed}` or
 *   `ConfigInvalid {field: 'lr', reason: 'must be a number > 0, got -1'}`.
 */
export function decodeStrict<A>(codec: Codec<A>, raw: unknown, allowedKeys?: readonly string[]): E.Either<ExperimentError, A> {
  return decodeLayers(codec, [{ source: undefined, value: raw }], raw, allowedKeys);
}

/** One layer of configuration for `resolveLayers`: its values and how errors name it. */
export interface ConfigLayer {
  /** undefined: do not name a source in errors. */
  readonly source: string | undefined;
  readonly value: unknown;
}

function decodeLayers<A>(codec: Codec<A>, layers: readonly ConfigLayer[], merged: unknown, allowedKeys?: readonly string[]): E.Either<ExperimentError, A> {
  const report = unknownKeyReport(codec, merged, allowedKeys);
  if (report !== undefined) {
    const parent = report.path.slice(0, -1);
    const last = report.path[report.path.length - 1];
    const key = parent.length === 0 ? String(last) : `${formatPath(parent)}.${String(last)}`;
    return E.left(unknownKey(key, report.allowed, sourceOf(layers, report.path)));
  }
  const decoded = codec.decode(merged);
  if (E.isRight(decoded)) return E.right(decoded.right);
  const { path, reason } = describeValidationError(decoded.left[0]);
  return E.left(configInvalid(formatPath(path), reason, sourceOf(layers, path)));
}

function unknownKeyReport(codec: AnyDecoder, value: unknown, allowedKeys: readonly string[] | undefined): KeyReport | undefined {
  if (allowedKeys === undefined) return findUnknownKey(codec, value, []);
  if (!isPlainObject(value)) return undefined;
  const allowed = new Set(allowedKeys);
  for (const key of Object.keys(value)) if (!allowed.has(key)) return { path: [key], allowed: [...allowedKeys] };
  const shape = shapeOf(codec);
  if (shape.kind !== 'object') return undefined;
  for (const [key, codecs] of shape.props) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const report = firstOf(codecs, value[key], [key]);
    if (report !== undefined) return report;
  }
  return undefined;
}

/** The last layer that sets `path` (layers later in the list win). */
function sourceOf(layers: readonly ConfigLayer[], path: Path): string | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer !== undefined && hasPath(layer.value, path)) return layer.source;
  }
  return undefined;
}

function hasPath(value: unknown, path: Path): boolean {
  let cur: unknown = value;
  for (const segment of path) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, segment)) return false;
    cur = (cur as Record<string | number, unknown>)[segment];
  }
  return true;
}

/**
 * Deep merge of plain objects: keys of `override` replace those of `base`, nested plain objects
 * merge, anything else (arrays included) is replaced whole; `undefined` in `override` means
 * "not set". Neither input is modified.
 */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const keys = new Set([...Object.keys(base), ...Object.keys(override)]);
  // Object.fromEntries defines own properties, so a '__proto__' key stays a plain (unknown) key.
  return Object.fromEntries([...keys].map((k) => [k, mergeConfig(base[k], override[k])]));
}

/** Where each layer of `resolveConfig` came from, for error messages. */
export interface ResolveOptions {
  /** Keys allowed at the top level (see `decodeStrict`). */
  readonly allowedKeys?: readonly string[];
  /** How errors name the overrides; default 'command line'. */
  readonly overridesSource?: string;
}

/**
 * Merges `overrides` over `defaults` (`mergeConfig`), then `decodeStrict`s the result. Errors
 * name where the offending value came from ('defaults' or the overrides' source).
 */
export function resolveConfig<A>(codec: Codec<A>, defaults: unknown, overrides: unknown, options: ResolveOptions = {}): E.Either<ExperimentError, A> {
  return resolveLayers(
    codec,
    [
      { source: 'defaults', value: defaults },
      { source: options.overridesSource ?? 'command line', value: overrides },
    ],
    options.allowedKeys,
  );
}

/** Merges any number of named layers (later wins) and decodes the result strictly. */
export function resolveLayers<A>(codec: Codec<A>, layers: readonly ConfigLayer[], allowedKeys?: readonly string[]): E.Either<ExperimentError, A> {
  const merged = layers.reduce<unknown>((acc, layer) => mergeConfig(acc, layer.value), undefined);
  return decodeLayers(codec, layers, merged, allowedKeys);
}

// ---------------------------------------------------------------------------------------------
// command line

/** How a command-line field's text is converted. */
export type FieldKind = 'int' | 'number' | 'string' | 'boolean';

/**
 * The command-line flags of a schema, derived from it (no hand-kept table): every leaf field of
 * its records, nested records dotted (`diffflow.lr`), with the kind `parseOverrides` converts its
 * text to — 'int' for integer codecs (`intAtLeast`, `intInRange`, `t.Int`), 'number' for the
 * other number codecs, 'boolean' for `t.boolean` (a switch), 'string' for everything else
 * (`t.string`, `oneOf`, literals, and custom codecs, which decode the text themselves).
 * Throws a RangeError for a schema that is not a record.
 */
export function flagsOf(codec: AnyDecoder): Record<string, FieldKind> {
  return Object.fromEntries(Object.entries(flagCodecs(codec)).map(([flag, field]) => [flag, flagKind(field)]));
}

/**
 * The codec of each command-line flag of a schema, keyed as {@link flagsOf} keys them (nested
 * records dotted). Throws a RangeError for a schema that is not a record.
 */
export function flagCodecs(codec: AnyDecoder): Record<string, t.Mixed> {
  const shape = shapeOf(codec);
  if (shape.kind !== 'object') throw new RangeError(`flagsOf(codec): '${codec.name}' is not a record of fields`);
  const out: Record<string, t.Mixed> = {};
  for (const [key, codecs] of shape.props) {
    const field = codecs[0] as t.Mixed;
    if (shapeOf(field).kind === 'object') {
      for (const [sub, c] of Object.entries(flagCodecs(field))) out[`${key}.${sub}`] = c;
    } else out[key] = field;
  }
  return out;
}

function flagKind(codec: AnyDecoder): FieldKind {
  const known = numberKinds.get(codec);
  if (known !== undefined) return known;
  const c = tagged(codec);
  switch (c?._tag) {
    case 'BooleanType':
      return 'boolean';
    case 'NumberType':
      return 'number';
    case 'ExactType':
    case 'ReadonlyType':
      return flagKind(c.type);
    case 'RefinementType':
      return c.name === 'Int' ? 'int' : flagKind(c.type);
    default:
      return 'string';
  }
}

/** What `parseCommandLine` found. */
export interface CommandLine {
  /** Converted values; a dotted field `model.width` becomes `{model: {width}}`. */
  readonly overrides: Record<string, unknown>;
  /** The `--config` file, when one was given. */
  readonly configPath?: string;
}

/** The field name errors use for arguments that are not options. */
export const COMMAND_LINE_FIELD = '(command line)';

/**
 * Parses `--key=value` / `--key value` options (node:util `parseArgs`, then strict checks here:
 * unknown options, positional arguments and missing values are errors). `int` and `number`
 * fields are converted (`--iters=abc` → `ConfigInvalid {field: 'iters', reason: "must be a
 * number, got 'abc'"}`); `boolean` fields are switches (`--resume`, or `--resume=true|false`).
 * Unknown options → `UnknownKey {key: '--iter', allowed: ['--iters', …]}`.
 */
export function parseOverrides(argv: readonly string[], fields: Readonly<Record<string, FieldKind>>): E.Either<ExperimentError, Record<string, unknown>> {
  return pipe(
    parseArgv(argv, fields, false),
    E.map((cl) => cl.overrides),
  );
}

/**
 * A command's flags decoded by `codec` (no defaults: absent flags stay absent), the flags being
 * the codec's fields ({@link flagsOf}), every error naming the `--flag` the user typed rather
 * than the field (`--n: must be an integer >= 1, got 0`).
 */
export function parseFlags<A>(argv: readonly string[], codec: Codec<A>): E.Either<ExperimentError, A> {
  const fields = flagsOf(codec);
  const asFlag = (e: ExperimentError): ExperimentError =>
    e._tag !== 'ConfigInvalid' || e.field.startsWith('-') || e.field === COMMAND_LINE_FIELD ? e : configInvalid(`--${e.field}`, e.reason);
  return pipe(
    parseOverrides(argv, fields),
    E.chain((overrides) => resolveConfig(codec, {}, overrides)),
    E.mapLeft(asFlag),
  );
}

/** `parseOverrides` plus a `--config=<file.json>` option (which must not be a field name). */
export function parseCommandLine(argv: readonly string[], fields: Readonly<Record<string, FieldKind>>): E.Either<ExperimentError, CommandLine> {
  if (Object.prototype.hasOwnProperty.call(fields, 'config'))
    throw new RangeError("parseCommandLine(fields): 'config' is reserved for --config=<file.json>");
  return parseArgv(argv, fields, true);
}

function parseArgv(argv: readonly string[], fields: Readonly<Record<string, FieldKind>>, configFlag: boolean): E.Either<ExperimentError, CommandLine> {
  const names = Object.keys(fields);
  const allowed = [...names.map((n) => `--${n}`), ...(configFlag ? ['--config'] : [])];
  const options = Object.fromEntries([
    ...names.map((n) => [n, { type: fields[n] === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
    ...(configFlag ? [['config', { type: 'string' as const }]] : []),
  ]);
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  let overrides: Record<string, unknown> = {};
  let configPath: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional')
      return E.left(configInvalid(COMMAND_LINE_FIELD, `unexpected argument ${showValue(token.value)}: options are written --key=value or --key value (allowed: ${allowed.join(', ')})`));
    const isLong = token.rawName.startsWith('--');
    const isConfig = configFlag && token.name === 'config';
    const kind = isConfig ? 'string' : fields[token.name];
    if (!isLong || kind === undefined || !Object.prototype.hasOwnProperty.call(options, token.name))
      return E.left(unknownKey(isLong ? `--${token.name}` : token.rawName, allowed));
    const converted = convert(token.name, kind, token.value, token.inlineValue === true);
    if (E.isLeft(converted)) return converted;
    if (isConfig) configPath = converted.right as string;
    else overrides = mergeConfig(overrides, nest(token.name.split('.'), converted.right)) as Record<string, unknown>;
  }
  return E.right(configPath === undefined ? { overrides } : { overrides, configPath });
}

function nest(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((acc, key) => Object.fromEntries([[key, acc]]), value);
}

function convert(name: string, kind: FieldKind, value: string | undefined, inline: boolean): E.Either<ExperimentError, unknown> {
  if (kind === 'boolean') {
    if (value === undefined) return E.right(true);
    if (value === 'true') return E.right(true);
    if (value === 'false') return E.right(false);
    return E.left(configInvalid(name, `is a switch: write --${name} or --${name}=true|false, got ${showValue(value)}`));
  }
  if (value === undefined || (!inline && value.startsWith('--')))
    return E.left(configInvalid(name, `needs a value: write --${name}=<${kind}> or --${name} <${kind}>`));
  if (kind === 'string') return E.right(value);
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) return E.left(configInvalid(name, `must be a number, got ${showValue(value)}`));
  if (kind === 'int' && !Number.isInteger(n)) return E.left(configInvalid(name, `must be an integer, got ${showValue(value)}`));
  return E.right(n);
}

/** Reads a JSON config file holding one object. Missing → `FileMissing`; not JSON / not an object → `FileMalformed`. */
export function readConfigFile(path: string): TE.TaskEither<ExperimentError, Record<string, unknown>> {
  return pipe(
    TE.tryCatch(
      () => readFile(path, 'utf8'),
      (e) => fromFsError(path, e, 'the --config file'),
    ),
    TE.chainEitherK((text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return E.left(fileMalformed(path, `not valid JSON (${e instanceof Error ? e.message : String(e)})`));
      }
      return isPlainObject(parsed) ? E.right(parsed) : E.left(fileMalformed(path, `must hold one JSON object, got ${showValue(parsed)}`));
    }),
  );
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  readonly allowedKeys?: readonly string[];
  /**
   * A layer between the defaults and the file (e.g. `--quick`'s smaller budgets), chosen from the
   * command line's overrides and the file's values (undefined without `--config`); undefined for none.
   */
  readonly preset?: (overrides: Readonly<Record<string, unknown>>, file: Readonly<Record<string, unknown>> | undefined) => ConfigLayer | undefined;
}

/**
 * The whole configuration step of a CLI: parse `argv` (`parseCommandLine`), read the
 * `--config` file when given, merge defaults ← preset (`options.preset`) ← file ← command line,
 * and decode strictly. Errors name the source of the offending value (defaults, the preset, the
 * file, the command line).
 */
export function loadConfig<A>(
  codec: Codec<A>,
  defaults: unknown,
  argv: readonly string[],
  fields: Readonly<Record<string, FieldKind>>,
  options: LoadConfigOptions = {},
): TE.TaskEither<ExperimentError, A> {
  return pipe(
    TE.fromEither(parseCommandLine(argv, fields)),
    TE.chain((cl) =>
      pipe(
        cl.configPath === undefined ? TE.right<ExperimentError, Record<string, unknown> | undefined>(undefined) : readConfigFile(cl.configPath),
        TE.chainEitherK((file) =>
          resolveLayers(
            codec,
            [
              { source: 'defaults', value: defaults },
              ...[options.preset?.(cl.overrides, file)].filter((l): l is ConfigLayer => l !== undefined),
              ...(cl.configPath === undefined ? [] : [{ source: cl.configPath, value: file }]),
              { source: 'command line', value: cl.overrides },
            ],
            options.allowedKeys,
          ),
        ),
      ),
    ),
  );
}
