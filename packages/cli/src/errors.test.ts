import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { describe, expect, it } from 'vitest';
import { datasetError } from '@diffflow/datasets';
import {
  configInvalid,
  experimentErrorTags,
  fileMalformed,
  fileMissing,
  formatError,
  fromFsError,
  ioFailed,
  orThrow,
  orThrowSync,
  ExperimentFailure,
  outputNotEmpty,
  unknownKey,
  type ExperimentError,
} from './errors.js';

describe('formatError', () => {
  it('writes one line naming the field or file and what is allowed, for every tag', () => {
    const cases: [ExperimentError, RegExp][] = [
      [configInvalid('lr', 'must be a number > 0, got -1'), /^config field 'lr': must be a number > 0, got -1$/],
      [configInvalid('iters', "must be a number, got 'abc'", 'command line'), /^config field 'iters' \(from command line\): must be a number, got 'abc'$/],
      [unknownKey('iter', ['iters', 'lr', 'batch']), /^unknown config key 'iter'; did you mean 'iters'\? \(allowed: iters, lr, batch\)$/],
      [unknownKey('--bogus', ['--iters', '--lr']), /^unknown option '--bogus' \(allowed: --iters, --lr\)$/],
      [outputNotEmpty('runs/a', 'it already holds this run; use --resume or another --out'), /^output folder 'runs\/a' cannot be used: .*--resume/],
      [fileMissing('runs/a/checkpoint.bin', 'train first'), /^file not found: 'runs\/a\/checkpoint.bin' \(train first\)$/],
      [fileMalformed('x.npy', 'truncated'), /^file 'x.npy' is malformed: truncated$/],
      [ioFailed('x.bin', 'EACCES: permission denied'), /^could not read or write 'x.bin': EACCES: permission denied$/],
      [datasetError.fileNotFound('d/power.npy', ['d/power.npy'], 'download the MAF release'), /d\/power\.npy.*download the MAF release/],
      [datasetError.truncated('a.idx', 100, 10), /a\.idx/],
      [datasetError.badMagic('a.idx', '0x803', '0x0'), /a\.idx/],
      [datasetError.inconsistentCounts('a.idx', 'labels vs images', 10, 9), /labels vs images/],
      [datasetError.malformed('a.csv', 'bad row'), /a\.csv.*bad row/],
      [datasetError.unknownDataset('powr', ['power', 'gas']), /powr/],
    ];
    expect(new Set(cases.map(([e]) => e._tag))).toEqual(new Set(experimentErrorTags));
    for (const [e, pattern] of cases) {
      const line = formatError(e);
      expect(line).toMatch(pattern);
      expect(line).not.toContain('\n');
    }
  });

  it('suggests the one allowed name a key shortens (a renamed flag: --batch → --batchSize)', () => {
    expect(formatError(unknownKey('--batch', ['--iters', '--batchSize', '--lr']))).toContain("did you mean '--batchSize'?");
    expect(formatError(unknownKey('--s', ['--steps', '--seed']))).not.toContain('did you mean');
  });

  it('does not suggest a far-away key', () => {
    expect(formatError(unknownKey('zzz', ['iters', 'lr']))).not.toContain('did you mean');
  });
});

describe('fromFsError', () => {
  it('maps ENOENT to FileMissing and other codes to IoFailed with the code', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    const eacces = Object.assign(new Error('permission denied'), { code: 'EACCES' });
    expect(fromFsError('a', enoent, 'hint')).toEqual({ _tag: 'FileMissing', path: 'a', hint: 'hint' });
    expect(fromFsError('a', eacces)).toEqual({ _tag: 'IoFailed', path: 'a', cause: 'EACCES: permission denied' });
  });
});

describe('orThrow / orThrowSync', () => {
  it('return the value, or throw the error as an ExperimentFailure whose message is its one line', async () => {
    const e = configInvalid('batchSize', 'must be an integer >= 1, got 0');
    await expect(orThrow(TE.right(42))).resolves.toBe(42);
    expect(orThrowSync(E.right('x'))).toBe('x');
    const thrown = await orThrow(TE.left(e)).catch((x: unknown) => x);
    expect(thrown).toBeInstanceOf(ExperimentFailure);
    expect((thrown as ExperimentFailure).error).toEqual(e);
    expect((thrown as Error).message).toBe(formatError(e));
    expect(() => orThrowSync(E.left(e))).toThrow(ExperimentFailure);
  });
});
