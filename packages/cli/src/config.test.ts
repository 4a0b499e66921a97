import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { suiteTempDir } from '@diffflow/test-utils';
import {
  decodeStrict,
  describeCodec,
  intAtLeast,
  intInRange,
  loadConfig,
  mergeConfig,
  numberAbove,
  numberAtLeast,
  numberInRange,
  oneOf,
  parseCommandLine,
  parseOverrides,
  parseFlags,
  flagsOf,
  readConfigFile,
  resolveConfig,
} from './config.js';
import { formatError, type ExperimentError } from './errors.js';

const left = <A>(r: E.Either<ExperimentError, A>): ExperimentError => {
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right)}`);
  return r.left;
};
const right = <A>(r: E.Either<ExperimentError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${formatError(r.left)}`);
  return r.right;
};

const Model = t.type({ width: intAtLeast(1), depth: intInRange(1, 8) });
const Config = t.intersection([
  t.type({
    iters: intAtLeast(1),
    lr: numberAbove(0),
    clip: numberAtLeast(0),
    ema: numberInRange(0, 1),
    method: oneOf(['euler', 'heun'] as const),
    flexible: t.boolean,
    model: Model,
    schedule: t.array(t.type({ at: intAtLeast(0), steps: intAtLeast(1) })),
  }),
  t.partial({ note: t.string }),
]);
type Config = t.TypeOf<typeof Config>;
const defaults: Config = {
  iters: 100,
  lr: 0.01,
  clip: 1,
  ema: 0.99,
  method: 'euler',
  flexible: false,
  model: { width: 64, depth: 3 },
  schedule: [{ at: 0, steps: 10 }],
};

describe('refinements', () => {
  it('accept what they allow and describe it in the error', () => {
    const cases: [t.Decoder<unknown, unknown> & t.Any, unknown[], unknown[], string][] = [
      [intAtLeast(1), [1, 2, 1e6], [0, 1.5, '3', NaN, null], 'an integer >= 1'],
      [intInRange(1, 8), [1, 8], [0, 9, 2.5], 'an integer from 1 to 8'],
      [numberAbove(0), [1e-9, 3], [0, -1, Infinity, NaN], 'a number > 0'],
      [numberAtLeast(0), [0, 2.5], [-1e-9, Infinity], 'a number >= 0'],
      [numberInRange(0, 1), [0, 0.5, 1], [-0.1, 1.01, NaN], 'a number from 0 to 1'],
      [oneOf(['a', 'b']), ['a', 'b'], ['c', 1, undefined], "one of 'a', 'b'"],
    ];
    for (const [codec, good, bad, description] of cases) {
      for (const g of good) expect(E.isRight(codec.decode(g)), `${description} accepts ${String(g)}`).toBe(true);
      for (const b of bad) expect(E.isLeft(codec.decode(b)), `${description} rejects ${String(b)}`).toBe(true);
      expect(describeCodec(codec)).toBe(description);
    }
  });

  it('refuse nonsensical bounds', () => {
    expect(() => numberInRange(2, 1)).toThrow(RangeError);
    expect(() => intAtLeast(NaN)).toThrow(RangeError);
    expect(() => oneOf([])).toThrow(RangeError);
  });
});

describe('decodeStrict', () => {
  it('decodes a valid value', () => {
    expect(right(decodeStrict(Config, defaults))).toEqual(defaults);
  });

  it('rejects unknown keys at the top level with the allowed keys, even when a required key is missing', () => {
    const { iters: _, ...rest } = defaults;
    const e = left(decodeStrict(Config, { ...rest, iter: 5 }));
    expect(e).toMatchObject({ _tag: 'UnknownKey', key: 'iter' });
    expect(e._tag === 'UnknownKey' && [...e.allowed].sort()).toEqual(
      ['iters', 'lr', 'clip', 'ema', 'method', 'flexible', 'model', 'schedule', 'note'].sort(),
    );
    expect(formatError(e)).toContain("did you mean 'iters'");
  });

  it('rejects unknown keys in nested objects and in array elements', () => {
    const nested = left(decodeStrict(Config, { ...defaults, model: { width: 3, depth: 2, widht: 4 } }));
    expect(nested).toEqual({ _tag: 'UnknownKey', key: 'model.widht', allowed: ['width', 'depth'] });
    const inArray = left(decodeStrict(Config, { ...defaults, schedule: [{ at: 0, steps: 1 }, { at: 5, step: 2 }] }));
    expect(inArray).toEqual({ _tag: 'UnknownKey', key: 'schedule[1].step', allowed: ['at', 'steps'] });
  });

  it('reports the first failing field path and what is allowed', () => {
    expect(left(decodeStrict(Config, { ...defaults, lr: -1 }))).toEqual({ _tag: 'ConfigInvalid', field: 'lr', reason: 'must be a number > 0, got -1' });
    expect(left(decodeStrict(Config, { ...defaults, model: { width: 0, depth: 2 } }))).toEqual({
      _tag: 'ConfigInvalid',
      field: 'model.width',
      reason: 'must be an integer >= 1, got 0',
    });
    expect(left(decodeStrict(Config, { ...defaults, schedule: [{ at: 0, steps: 0 }] }))).toMatchObject({ field: 'schedule[0].steps' });
    expect(left(decodeStrict(Config, { ...defaults, method: 'rk4' }))).toEqual({
      _tag: 'ConfigInvalid',
      field: 'method',
      reason: "must be one of 'euler', 'heun', got 'rk4'",
    });
    expect(left(decodeStrict(Config, { ...defaults, flexible: 'yes' }))).toMatchObject({ field: 'flexible', reason: "must be true or false, got 'yes'" });
    const { lr: _, ...noLr } = defaults;
    expect(left(decodeStrict(Config, noLr))).toEqual({ _tag: 'ConfigInvalid', field: 'lr', reason: 'is missing; must be a number > 0' });
    expect(left(decodeStrict(Config, 3))).toMatchObject({ _tag: 'ConfigInvalid', field: '(root)' });
  });

  it('describes literal unions and keyof codecs by their values', () => {
    const C = t.type({ a: t.union([t.literal('x'), t.literal('y')]), b: t.keyof({ p: null, q: null }) });
    expect(left(decodeStrict(C, { a: 'z', b: 'p' }))).toMatchObject({ field: 'a', reason: "must be one of 'x', 'y', got 'z'" });
    expect(left(decodeStrict(C, { a: 'x', b: 'r' }))).toMatchObject({ field: 'b', reason: "must be one of 'p', 'q', got 'r'" });
  });

  it('checks unknown keys against the union member the value matches', () => {
    const C = t.type({ opt: t.union([t.type({ kind: t.literal('adam'), lr: numberAbove(0) }), t.type({ kind: t.literal('sgd'), momentum: numberAtLeast(0) })]) });
    expect(E.isRight(decodeStrict(C, { opt: { kind: 'sgd', momentum: 0.9 } }))).toBe(true);
    expect(left(decodeStrict(C, { opt: { kind: 'adam', lr: 1, momentum: 0.9 } }))).toEqual({ _tag: 'UnknownKey', key: 'opt.momentum', allowed: ['kind', 'lr'] });
  });

  it('treats a "__proto__" key as an unknown key, not as a prototype', () => {
    const raw = JSON.parse(`{"iters": 1, "__proto__": {"lr": 1}}`) as unknown;
    expect(left(decodeStrict(t.type({ iters: intAtLeast(1) }), raw))).toMatchObject({ _tag: 'UnknownKey', key: '__proto__' });
  });

  it('uses allowedKeys for the top level when given', () => {
    const C = t.type({ a: t.number });
    expect(E.isRight(decodeStrict(C, { a: 1, $schema: 'x' }, ['a', '$schema']))).toBe(true);
    expect(left(decodeStrict(C, { a: 1, b: 2 }, ['a', '$schema']))).toEqual({ _tag: 'UnknownKey', key: 'b', allowed: ['a', '$schema'] });
  });
});

describe('mergeConfig / resolveConfig', () => {
  it('merges nested objects, replaces arrays and ignores undefined overrides', () => {
    const base = { a: 1, m: { x: 1, y: 2 }, list: [1, 2] };
    expect(mergeConfig(base, { m: { y: 3 }, list: [9], a: undefined })).toEqual({ a: 1, m: { x: 1, y: 3 }, list: [9] });
    expect(base).toEqual({ a: 1, m: { x: 1, y: 2 }, list: [1, 2] });
  });

  it('decodes defaults with overrides and names the source of a bad value', () => {
    const resolved = right(resolveConfig(Config, defaults, { iters: 7, model: { width: 5 } }));
    expect(resolved).toEqual({ ...defaults, iters: 7, model: { width: 5, depth: 3 } });
    expect(left(resolveConfig(Config, defaults, { iters: 0 }))).toEqual({
      _tag: 'ConfigInvalid',
      field: 'iters',
      reason: 'must be an integer >= 1, got 0',
      source: 'command line',
    });
    expect(left(resolveConfig(Config, { ...defaults, clip: -1 }, {}))).toMatchObject({ field: 'clip', source: 'defaults' });
    expect(left(resolveConfig(Config, defaults, { bogus: 1 }))).toMatchObject({ _tag: 'UnknownKey', key: 'bogus', source: 'command line' });
  });
});

const fields = { iters: 'int', lr: 'number', method: 'string', flexible: 'boolean', 'model.width': 'int' } as const;

describe('parseOverrides', () => {
  it('accepts --key=value and --key value, converts numbers and nests dotted keys', () => {
    expect(right(parseOverrides(['--iters=20', '--lr', '1e-3', '--method', 'heun', '--flexible', '--model.width=7'], fields))).toEqual({
      iters: 20,
      lr: 0.001,
      method: 'heun',
      flexible: true,
      model: { width: 7 },
    });
    expect(right(parseOverrides(['--lr', '-0.5', '--flexible=false'], fields))).toEqual({ lr: -0.5, flexible: false });
    expect(right(parseOverrides([], fields))).toEqual({});
  });

  it('rejects non-numeric values of numeric fields', () => {
    expect(left(parseOverrides(['--iters=abc'], fields))).toEqual({ _tag: 'ConfigInvalid', field: 'iters', reason: "must be a number, got 'abc'" });
    expect(left(parseOverrides(['--lr', ''], fields))).toEqual({ _tag: 'ConfigInvalid', field: 'lr', reason: "must be a number, got ''" });
    expect(left(parseOverrides(['--iters=1.5'], fields))).toEqual({ _tag: 'ConfigInvalid', field: 'iters', reason: "must be an integer, got '1.5'" });
  });

  it('rejects unknown flags, listing the allowed ones', () => {
    const e = left(parseOverrides(['--iter=3'], fields));
    expect(e).toEqual({ _tag: 'UnknownKey', key: '--iter', allowed: ['--iters', '--lr', '--method', '--flexible', '--model.width'] });
    expect(formatError(e)).toMatch(/^unknown option '--iter'; did you mean '--iters'\?/);
    expect(left(parseOverrides(['-x'], fields))).toMatchObject({ _tag: 'UnknownKey', key: '-x' });
    expect(left(parseOverrides(['--config=a.json'], fields))).toMatchObject({ _tag: 'UnknownKey', key: '--config' });
    expect(left(parseOverrides(['--toString=1'], fields))).toMatchObject({ _tag: 'UnknownKey', key: '--toString' });
  });

  it('rejects positional arguments, missing values and switch values', () => {
    expect(formatError(left(parseOverrides(['foo'], fields)))).toMatch(/^command line: unexpected argument 'foo'/);
    expect(left(parseOverrides(['--iters'], fields))).toMatchObject({ _tag: 'ConfigInvalid', field: 'iters', reason: expect.stringContaining('needs a value') });
    expect(left(parseOverrides(['--method', '--iters=3'], fields))).toMatchObject({ field: 'method', reason: expect.stringContaining('needs a value') });
    expect(left(parseOverrides(['--flexible=yes'], fields))).toMatchObject({ field: 'flexible', reason: expect.stringContaining('is a switch') });
  });
});

describe('parseFlags', () => {
  const Flags = t.exact(t.partial({ n: intAtLeast(1), out: t.string }));
  it('decodes the given flags only (no defaults) and names a bad value by its --flag', () => {
    expect(parseFlags(['--n=3'], Flags)).toEqual(E.right({ n: 3 }));
    const bad = parseFlags(['--n=0'], Flags);
    expect(E.isLeft(bad) && formatError(bad.left)).toBe("option '--n': must be an integer >= 1, got 0");
    const unknown = parseFlags(['--m=1'], Flags);
    expect(E.isLeft(unknown) && unknown.left).toMatchObject({ _tag: 'UnknownKey', key: '--m' });
    const positional = parseFlags(['oops'], Flags);
    expect(E.isLeft(positional) && positional.left).toMatchObject({ _tag: 'ConfigInvalid', field: '(command line)' });
  });
});

describe('flagsOf', () => {
  it('derives every flag and its kind from the schema: nested records dotted, custom codecs as text', () => {
    const Schema = t.strict({
      iters: intAtLeast(1),
      window: intInRange(1, 9),
      count: t.Int,
      lr: numberAbove(0),
      decay: numberInRange(0, 1),
      clip: numberAtLeast(0),
      scale: t.number,
      flexible: t.boolean,
      strategy: oneOf(['adjoint', 'naive'] as const),
      out: t.string,
      steps: new t.Type<number[], number[], unknown>('IntList', (u): u is number[] => Array.isArray(u), (u, c) => t.failure(u, c), t.identity),
      model: t.strict({ width: intAtLeast(1), act: t.literal('relu') }),
      budget: t.partial({ a: t.exact(t.partial({ iters: intAtLeast(1) })) }),
    });
    expect(flagsOf(Schema)).toEqual({
      iters: 'int',
      window: 'int',
      count: 'int',
      lr: 'number',
      decay: 'number',
      clip: 'number',
      scale: 'number',
      flexible: 'boolean',
      strategy: 'string',
      out: 'string',
      steps: 'string',
      'model.width': 'int',
      'model.act': 'string',
      'budget.a.iters': 'int',
    });
  });

  it('flags of an intersection are those of its members; a non-record schema is a RangeError', () => {
    expect(flagsOf(t.intersection([t.type({ a: t.boolean }), t.partial({ b: numberAbove(0) })]))).toEqual({ a: 'boolean', b: 'number' });
    expect(() => flagsOf(t.string)).toThrow(RangeError);
  });

  it('turns the derived flags into a parse that rejects unknown flags and converts by kind', () => {
    const Schema = t.strict({ batchSize: intAtLeast(1), lr: numberAbove(0) });
    const fields = flagsOf(Schema);
    expect(parseOverrides(['--batchSize=3', '--lr=0.5'], fields)).toEqual(E.right({ batchSize: 3, lr: 0.5 }));
    expect(left(parseOverrides(['--batch=3'], fields))).toMatchObject({ _tag: 'UnknownKey', key: '--batch' });
    expect(left(parseOverrides(['--batchSize=1.5'], fields))).toMatchObject({ field: 'batchSize', reason: expect.stringContaining('integer') });
  });
});

describe('--config files', () => {
  const dir = suiteTempDir('diffflow-config-');

  it('parseCommandLine returns the --config path apart from the overrides', () => {
    expect(right(parseCommandLine(['--config', 'a.json', '--iters=2'], fields))).toEqual({ overrides: { iters: 2 }, configPath: 'a.json' });
    expect(() => parseCommandLine([], { config: 'string' })).toThrow(RangeError);
  });

  it('loadConfig merges defaults ← file ← command line and names the file for its bad values', async () => {
    const file = join(dir, 'run.json');
    await writeFile(file, JSON.stringify({ iters: 50, lr: 0.5, model: { depth: 5 } }));
    const argv = [`--config=${file}`, '--lr=0.25'];
    expect(right(await loadConfig(Config, defaults, argv, fields)())).toEqual({ ...defaults, iters: 50, lr: 0.25, model: { width: 64, depth: 5 } });

    await writeFile(file, JSON.stringify({ model: { depth: 9 } }));
    const e = left(await loadConfig(Config, defaults, [`--config=${file}`], fields)());
    expect(e).toEqual({ _tag: 'ConfigInvalid', field: 'model.depth', reason: 'must be an integer from 1 to 8, got 9', source: file });
    expect(formatError(e)).toContain(`(from ${file})`);

    await writeFile(file, JSON.stringify({ modle: {} }));
    expect(left(await loadConfig(Config, defaults, [`--config=${file}`], fields)())).toMatchObject({ _tag: 'UnknownKey', key: 'modle', source: file });
  });

  it('loadConfig puts a preset layer between the defaults and the file, chosen from the overrides and the file', async () => {
    const file = join(dir, 'preset.json');
    await writeFile(file, JSON.stringify({ lr: 0.5 }));
    const preset = (o: Readonly<Record<string, unknown>>, f: Readonly<Record<string, unknown>> | undefined) =>
      o['iters'] === 7 || f?.['lr'] === 0.5 ? { source: '--small', value: { iters: 3, lr: 0.125, model: { depth: 9 } } } : undefined;
    // the file's lr wins over the preset's; the preset's bad value is named by its source
    const e = left(await loadConfig(Config, defaults, [`--config=${file}`], fields, { preset })());
    expect(e).toMatchObject({ _tag: 'ConfigInvalid', field: 'model.depth', source: '--small' });
    const ok = { source: '--small', value: { iters: 3, lr: 0.125 } };
    expect(right(await loadConfig(Config, defaults, [`--config=${file}`], fields, { preset: () => ok })())).toEqual({ ...defaults, iters: 3, lr: 0.5 });
    expect(right(await loadConfig(Config, defaults, ['--iters=7'], fields, { preset: () => ok })())).toEqual({ ...defaults, iters: 7, lr: 0.125 });
    expect(right(await loadConfig(Config, defaults, [], fields, { preset: () => undefined })())).toEqual(defaults);
  });

  it('maps a missing, non-JSON or non-object file to typed errors', async () => {
    expect(left(await readConfigFile(join(dir, 'nope.json'))())).toMatchObject({ _tag: 'FileMissing', path: join(dir, 'nope.json') });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"iters": ');
    expect(left(await readConfigFile(bad)())).toMatchObject({ _tag: 'FileMalformed', path: bad, reason: expect.stringContaining('not valid JSON') });
    await writeFile(bad, '[1, 2]');
    expect(left(await readConfigFile(bad)())).toMatchObject({ _tag: 'FileMalformed', reason: expect.stringContaining('one JSON object') });
  });
});
