import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { commaList, nameIn } from './list_codec.js';
import { decodeStrict, describeCodec, flagsOf, parseFlags } from './config.js';
import { formatError } from './errors.js';

const colours = commaList('Colours', 'a non-empty comma-separated list of colours (red, green)', nameIn(['red', 'green'] as const));
const positive = commaList('Steps', 'a non-empty comma-separated list of integers >= 1', (s) => {
  const n = Number(s);
  return s !== '' && Number.isInteger(n) && n >= 1 ? n : undefined;
});
const maybe = commaList('Colours', 'a non-empty comma-separated list of colours (red, green)', nameIn(['red', 'green'] as const), { orNone: "'none' or a list of colours" });

const value = <A>(r: t.Validation<A>): A => {
  if (E.isLeft(r)) throw new Error('expected a value');
  return r.right;
};

describe('commaList', () => {
  it('reads comma-separated text and arrays, trimming items and dropping repeats in order', () => {
    expect(value(colours.decode('green, red,green'))).toEqual(['green', 'red']);
    expect(value(colours.decode(['red']))).toEqual(['red']);
    expect(value(positive.decode('5,10, 5'))).toEqual([5, 10]);
    expect(value(positive.decode([20, 3]))).toEqual([20, 3]);
    expect(colours.is(['red'])).toBe(true);
    expect(colours.is(['blue'])).toBe(false);
  });

  it('refuses a bad item, an empty list and a non-list with "must be <description>"', () => {
    for (const bad of ['red,blue', '', [], 3, [{}]]) {
      const r = colours.decode(bad);
      expect(E.isLeft(r), JSON.stringify(bad)).toBe(true);
      if (E.isLeft(r)) expect(r.left[0]?.message).toBe('must be a non-empty comma-separated list of colours (red, green)');
    }
    expect(E.isLeft(positive.decode('2,0'))).toBe(true);
    expect(E.isLeft(positive.decode('2,1.5'))).toBe(true);
    expect(describeCodec(colours)).toBe('a non-empty comma-separated list of colours (red, green)');
  });

  it("with orNone, '' and 'none' are the empty list, and the description is the option's", () => {
    expect(value(maybe.decode('none'))).toEqual([]);
    expect(value(maybe.decode(''))).toEqual([]);
    expect(value(maybe.decode([]))).toEqual([]);
    expect(value(maybe.decode('red'))).toEqual(['red']);
    expect(maybe.is([])).toBe(true);
    expect(maybe.name).toBe('ColoursOrNone');
    expect(describeCodec(maybe)).toBe("'none' or a list of colours");
    expect(E.isLeft(maybe.decode('blue'))).toBe(true);
  });

  it('is a text flag of a schema, decoded from the command line and named in errors', () => {
    const Config = t.strict({ colours: maybe, steps: positive });
    expect(flagsOf(Config)).toEqual({ colours: 'string', steps: 'string' });
    const ok = parseFlags(['--colours=red,green', '--steps=3'], Config);
    expect(E.isRight(ok) && ok.right).toEqual({ colours: ['red', 'green'], steps: [3] });
    const bad = decodeStrict(Config, { colours: 'blue', steps: [1] });
    expect(E.isLeft(bad) && formatError(bad.left)).toMatch(/colours/);
  });
});
