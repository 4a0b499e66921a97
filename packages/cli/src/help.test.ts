import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { decodeStrict, describeCodec, documented, flagsOf, helpOf, intAtLeast, numberAbove, oneOf, parseFlags } from './config.js';
import { flagHelp, flagsListedIn, formatHelp, usageOf, wantsHelp } from './help.js';

const Config = t.strict({
  iters: documented(intAtLeast(1), 'Training iterations.'),
  lr: documented(numberAbove(0), 'Adam learning rate.'),
  mode: documented(oneOf(['fast', 'slow'] as const), 'How fast.'),
  resume: documented(t.boolean, 'Continue the run.'),
  out: documented(t.string, 'Output folder.', '<run>/x'),
  model: t.strict({ width: documented(intAtLeast(1), 'Hidden width.') }),
});
const defaults = { iters: 10, lr: 0.01, mode: 'fast', resume: false, model: { width: 4 } };

describe('documented', () => {
  it('decodes, describes and converts exactly as the codec it documents, and carries its text', () => {
    const plain = intAtLeast(1);
    const doc = documented(plain, 'Samples.', "the run's");
    expect(doc).not.toBe(plain);
    expect(describeCodec(doc)).toBe(describeCodec(plain));
    expect(E.isRight(doc.decode(3))).toBe(true);
    expect(E.isLeft(doc.decode(0))).toBe(true);
    expect(helpOf(doc)).toEqual({ text: 'Samples.', default: "the run's" });
    expect(helpOf(plain)).toBeUndefined();
    // the shared t.boolean stays unmarked; the documented copy is still a switch
    const sw = documented(t.boolean, 'A switch.');
    expect(helpOf(t.boolean)).toBeUndefined();
    expect(flagsOf(t.strict({ sw, n: doc, x: documented(numberAbove(0), 'x') }))).toEqual({ sw: 'boolean', n: 'int', x: 'number' });
  });

  it('error messages name the allowed values as before', () => {
    const r = decodeStrict(Config, { ...defaults, out: 'o', iters: 0 });
    expect(E.isLeft(r) && r.left._tag === 'ConfigInvalid' && r.left.reason).toBe('must be an integer >= 1, got 0');
    const f = parseFlags(['--mode=medium'], t.exact(t.partial({ mode: Config.type.props.mode })));
    expect(E.isLeft(f) && f.left._tag === 'ConfigInvalid' && f.left.reason).toBe("must be one of 'fast', 'slow', got 'medium'");
  });

  it('refuses an empty text', () => {
    expect(() => documented(t.string, ' ')).toThrow(RangeError);
    expect(() => documented(t.string, 'x', '')).toThrow(RangeError);
  });
});

describe('flagHelp', () => {
  it('lists every flag of the schema in order, with kind, text, allowed values and default', () => {
    const help = flagHelp(Config, defaults);
    expect(help.map((f) => f.flag)).toEqual(Object.keys(flagsOf(Config)).map((f) => `--${f}`));
    expect(help[0]).toEqual({ flag: '--iters', kind: 'int', text: 'Training iterations.', allowed: 'an integer >= 1', default: '10' });
    expect(help.find((f) => f.flag === '--mode')).toMatchObject({ allowed: "one of 'fast', 'slow'", default: "'fast'" });
    expect(help.find((f) => f.flag === '--model.width')).toMatchObject({ kind: 'int', default: '4' });
    // no value in the defaults: the field's own default text, unless the command gives one
    expect(help.find((f) => f.flag === '--out')?.default).toBe('<run>/x');
    expect(flagHelp(Config, defaults, { out: 'elsewhere' }).find((f) => f.flag === '--out')?.default).toBe('elsewhere');
  });

  it('names every flag without a text or a default', () => {
    const Bad = t.strict({ a: intAtLeast(1), b: documented(t.string, 'B.'), c: documented(t.string, 'C.') });
    expect(() => flagHelp(Bad, { c: 'x' })).toThrow(/--a \(no text\), --b \(no default\)/);
  });
});

describe('formatHelp', () => {
  const text = formatHelp({ target: 'demo:train', summary: 'Trains a demo.', codec: Config, defaults });

  it('lists exactly the flags the schema decodes, each with its text, allowed values and default', () => {
    expect(flagsListedIn(text)).toEqual(Object.keys(flagsOf(Config)).map((f) => `--${f}`));
    expect(text).toContain('Usage: npx nx run demo:train [--flag=value …]');
    expect(text).toMatch(/ {2}--lr=<number>\n {6}Adam learning rate\.\n {6}allowed: a number > 0; default: 0\.01/);
    expect(text).toContain('--resume   (a switch: --resume, or --resume=true|false)');
    expect(text).toContain('This text: npx nx run demo:train help');
    expect(usageOf({ target: 'demo:train' })).toBe('npx nx run demo:train');
  });

  it('adds the flags a command reads outside its schema', () => {
    const withConfig = formatHelp({
      target: 'demo:train',
      summary: 's',
      codec: Config,
      defaults,
      extraFlags: [{ flag: '--config', kind: 'string', text: 'A JSON file.', allowed: 'a path', default: 'none' }],
    });
    expect(flagsListedIn(withConfig).at(-1)).toBe('--config');
  });

  it('keeps every line within 96 characters where the words allow', () => {
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(96);
  });
});

describe('wantsHelp', () => {
  it('is the word help alone, or --help / -h where they arrive', () => {
    expect(wantsHelp(['help'])).toBe(true);
    expect(wantsHelp(['--iters=3', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp([])).toBe(false);
    expect(wantsHelp(['--out=help'])).toBe(false);
    expect(wantsHelp(['help', '--iters=3'])).toBe(false); // a positional among flags: the parser's error names the help
  });
});
