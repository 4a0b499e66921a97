import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  configInvalid,
  exitWithError,
  experimentErrorTags,
  fileMalformed,
  fileMissing,
  formatError,
  fromFsError,
  ioFailed,
  orExit,
  outputNotEmpty,
  unknownKey,
  type ExperimentError,
} from './errors.js';

afterEach(() => vi.restoreAllMocks());

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
    ];
    expect(new Set(cases.map(([e]) => e._tag))).toEqual(new Set(experimentErrorTags));
    for (const [e, pattern] of cases) {
      const line = formatError(e);
      expect(line).toMatch(pattern);
      expect(line).not.toContain('\n');
    }
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

describe('exitWithError / orExit', () => {
  it('prints "error: <line>" on stderr and exits with code 2', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      written.push(String(s));
      return true;
    });
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const e = configInvalid('batch', 'must be an integer >= 1, got 0');
    expect(() => exitWithError(e)).toThrow('exit 2');
    expect(exit).toHaveBeenCalledWith(2);
    expect(written).toEqual([`error: ${formatError(e)}\n`]);

    await expect(orExit(TE.left(e))).rejects.toThrow('exit 2');
    await expect(orExit(TE.right(42))).resolves.toBe(42);
    expect(E.isLeft(E.left(e))).toBe(true);
  });
});
