import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { flagsOf, parseFlags, parseOverrides } from './config.js';
import { defaultLambda } from '@diffflow/sde-core';
import { ExperimentFailure, formatError } from './errors.js';
import { samplerFlags, samplerLabel, samplerSettingFields, samplerSettingFlags, samplerSettings, samplerSpecFromFlags, takeTrainSamplerSettings, trainSamplerFlags, trainSamplerSpec } from './sampler_flags.js';

/** A sampling command's flags as the experiments build them: its own --run, then the fragment. */
const Flags = t.exact(t.partial({ run: t.string, ...samplerFlags }));

const errorOf = (argv: string[]): string => {
  const r = parseFlags(argv, Flags);
  if (E.isRight(r)) throw new Error(`expected an error for ${argv.join(' ')}, got ${JSON.stringify(r.right)}`);
  return formatError(r.left);
};

describe('samplerFlags', () => {
  it('are the documented flags, in order, with the kinds the command line converts', () => {
    expect(flagsOf(Flags)).toEqual({
      run: 'string',
      n: 'int',
      steps: 'int',
      lambda: 'number',
      seed: 'int',
      denoise: 'boolean',
      out: 'string',
      workers: 'int',
      sampler: 'string',
      snr: 'number',
      correctorSteps: 'int',
      order: 'int',
      lowerOrderFinal: 'boolean',
      posteriorVariance: 'boolean',
      rtol: 'number',
      atol: 'number',
      maxSteps: 'int',
    });
  });

  it('decode every flag given, and only those', () => {
    const argv = ['--run=r', '--n=7', '--steps=9', '--lambda=0.5', '--seed=3', '--denoise=false', '--out=o', '--workers=2'];
    expect(parseFlags(argv, Flags)).toEqual(E.right({ run: 'r', n: 7, steps: 9, lambda: 0.5, seed: 3, denoise: false, out: 'o', workers: 2 }));
    expect(parseFlags([], Flags)).toEqual(E.right({}));
    expect(parseFlags(['--lambda=0', '--seed=0', '--workers=0'], Flags)).toEqual(E.right({ lambda: 0, seed: 0, workers: 0 }));
  });

  it('refuse a value out of range with one line naming the flag and what it allows', () => {
    expect(errorOf(['--n=0'])).toBe("option '--n': must be an integer >= 1, got 0");
    expect(errorOf(['--steps=2.5'])).toBe("option '--steps': must be an integer, got '2.5'");
    expect(errorOf(['--lambda=-0.1'])).toBe("option '--lambda': must be a number >= 0, got -0.1");
    expect(errorOf(['--seed=-1'])).toBe("option '--seed': must be an integer >= 0, got -1");
    expect(errorOf(['--workers=-1'])).toBe("option '--workers': must be an integer >= 0, got -1");
    expect(errorOf(['--lambda=abc'])).toMatch(/'--lambda'.*must be a number, got 'abc'/);
    expect(errorOf(['--sample=3'])).toMatch(/^unknown option '--sample'.*allowed: --run, --n, --steps, --lambda, --seed, --denoise, --out, --workers, --sampler, --snr/);
    expect(errorOf(['--sampler=euler'])).toBe("option '--sampler': must be one of 'euler-maruyama', 'heun', 'predictor-corrector', 'dpm-solver', 'dpm-solver-sde', 'ddpm-ancestral', 'rk45', got 'euler'");
    expect(errorOf(['--order=4'])).toBe("option '--order': must be an integer from 1 to 3, got 4");
    expect(errorOf(['--snr=0'])).toBe("option '--snr': must be a number > 0, got 0");
  });
});

describe('samplerSettings', () => {
  const fallback = { n: 64, steps: 30, seed: 5 };
  it('fills every absent flag: n, steps and seed from the fallback, euler-maruyama with λ = defaultLambda, Tweedie step on, one thread per core', () => {
    expect(samplerSettings({}, fallback)).toEqual({ n: 64, steps: 30, lambda: defaultLambda, seed: 5, denoise: true, workers: 0, sampler: { name: 'euler-maruyama', settings: {} } });
  });
  it("builds the sampler spec from --sampler and that sampler's setting flags, and refuses another sampler's setting naming the flag", () => {
    expect(samplerSettings({ sampler: 'dpm-solver', order: 2 }, fallback).sampler).toEqual({ name: 'dpm-solver', settings: { order: 2 } });
    expect(samplerSettings({ lambda: 0 }, fallback).sampler).toEqual({ name: 'euler-maruyama', settings: { lambda: 0 } });
    expect(() => samplerSettings({ sampler: 'heun', lambda: 0 }, fallback)).toThrow(ExperimentFailure);
    expect(() => samplerSettings({ sampler: 'heun', lambda: 0 }, fallback)).toThrow("option '--lambda': is not a setting of sampler 'heun' (its settings: none)");
    expect(() => samplerSettings({ order: 2 }, fallback)).toThrow("option '--order': is not a setting of sampler 'euler-maruyama' (its settings: --lambda, --denoise)");
  });
  it('labels a spec for folder names: euler-maruyama as before (lambda<λ>), others by name and settings', () => {
    expect(samplerLabel({ name: 'euler-maruyama', settings: {} })).toBe(`lambda${defaultLambda}`);
    expect(samplerLabel({ name: 'euler-maruyama', settings: { lambda: 0, denoise: false } })).toBe('lambda0-nodenoise');
    expect(samplerLabel({ name: 'dpm-solver', settings: { order: 2 } })).toBe('dpm-solver-order2');
    expect(samplerLabel({ name: 'heun' })).toBe('heun');
  });
  it('keeps every given flag, falsy ones included', () => {
    expect(samplerSettings({ n: 1, steps: 2, lambda: 0, seed: 0, denoise: false, workers: 1, out: 'ignored' }, fallback)).toEqual({
      n: 1,
      steps: 2,
      lambda: 0,
      seed: 0,
      denoise: false,
      workers: 1,
      sampler: { name: 'euler-maruyama', settings: { lambda: 0, denoise: false } },
    });
  });
});

describe('samplerSettingFields', () => {
  /** A compare-style nested record: the sampler beside its settings, dotted on the command line. */
  const Nested = t.strict({ diffflow: t.intersection([t.strict({ sampler: t.string }), samplerSettingFields(['lambda'])]) });
  it('are the setting flags (the same codecs), less those the schema has itself, dotted under their record', () => {
    const flags = Object.keys(flagsOf(Nested));
    expect(flags).toEqual(['diffflow.sampler', ...Object.keys(samplerSettingFlags).filter((k) => k !== 'lambda').map((k) => `diffflow.${k}`)]);
    expect(samplerSettingFields().props).toEqual(samplerSettingFlags);
  });
  it('decode a given setting and refuse one out of range naming the dotted flag', () => {
    const ok = parseFlags(['--diffflow.snr=0.2'], t.exact(t.partial({ diffflow: t.partial(samplerSettingFields().props) })));
    expect(E.isRight(ok) && ok.right).toEqual({ diffflow: { snr: 0.2 } });
    const bad = parseFlags(['--diffflow.correctorSteps=-1'], t.exact(t.partial({ diffflow: t.partial(samplerSettingFields().props) })));
    expect(E.isLeft(bad) && formatError(bad.left)).toMatch(/diffflow\.correctorSteps/);
  });
  it("read back by samplerSpecFromFlags with a prefix: another sampler's setting is refused naming the dotted flag", () => {
    expect(samplerSpecFromFlags({ sampler: 'predictor-corrector', snr: 0.2 }, undefined, 'diffflow.')).toEqual({ name: 'predictor-corrector', settings: { snr: 0.2 } });
    expect(() => samplerSpecFromFlags({ sampler: 'heun', snr: 0.2 }, undefined, 'diffflow.')).toThrow(
      "option '--diffflow.snr': is not a setting of sampler 'heun' (its settings: none)",
    );
    expect(() => samplerSpecFromFlags({ order: 2 }, undefined, 'ddpm.')).toThrow("option '--ddpm.order': is not a setting of sampler 'euler-maruyama' (its settings: --ddpm.lambda, --ddpm.denoise)");
  });
});

describe('trainSamplerFlags / takeTrainSamplerSettings / trainSamplerSpec', () => {
  /** A train command's own flags, as toy2d:train has them (its λ under a name of its own). */
  const own = { iters: 'int', sampler: 'string', sampleLambda: 'number' } as const;
  const parse = (argv: string[]) => {
    const overrides = parseOverrides(argv, { ...own, ...trainSamplerFlags(['lambda']) });
    if (E.isLeft(overrides)) throw new Error(formatError(overrides.left));
    return takeTrainSamplerSettings(overrides.right, ['lambda']);
  };
  it('are every registry setting but those excepted, with the kinds of samplerSettingFlags', () => {
    expect(trainSamplerFlags(['lambda'])).toEqual(Object.fromEntries(Object.entries(flagsOf(t.partial(samplerSettingFlags))).filter(([k]) => k !== 'lambda')));
    expect(Object.keys(trainSamplerFlags())).toEqual(Object.keys(samplerSettingFlags));
  });
  it("split the settings given from the configuration's own overrides, decoded", () => {
    const r = parse(['--iters=3', '--sampler=predictor-corrector', '--snr=0.2', '--correctorSteps=2', '--denoise=false']);
    expect(E.isRight(r) && r.right).toEqual({ overrides: { iters: 3, sampler: 'predictor-corrector' }, settings: { snr: 0.2, correctorSteps: 2, denoise: false } });
    expect(E.isRight(parse(['--iters=3'])) && parse(['--iters=3'])).toEqual(E.right({ overrides: { iters: 3 }, settings: {} }));
  });
  it('refuse a setting out of range with one line naming the flag and what it allows', () => {
    const r = parse(['--order=4']);
    expect(E.isLeft(r) && formatError(r.left)).toMatch(/^option '--order': .*4/);
  });
  it("build the final samples' spec, refusing another sampler's setting naming the flag and the sampler's own", () => {
    expect(trainSamplerSpec('dpm-solver', { order: 2 })).toEqual({ name: 'dpm-solver', settings: { order: 2 } });
    expect(trainSamplerSpec('heun', {})).toEqual({ name: 'heun', settings: {} });
    expect(() => trainSamplerSpec('heun', { snr: 0.2 })).toThrow("option '--snr': is not a setting of sampler 'heun' (its settings: none)");
    expect(() => trainSamplerSpec('heun', { snr: 0.2 })).toThrow(ExperimentFailure);
  });
});
