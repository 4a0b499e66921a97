import { describe, expect, it } from 'vitest';
import { DivergenceError } from '@diffflow/training';
import { errorFromData, errorToData, outcomeOf, valueOf, type ErrorData } from './error_data.js';
import { configInvalid, ExperimentFailure } from './errors.js';
import { exitStatusOf } from './cli.js';

/** What crossing a thread does to plain data. */
const cloned = <A>(a: A): A => structuredClone(a);

describe('errors as data across a thread boundary', () => {
  it('a divergence comes back a DivergenceError with its iteration, term and checkpoint (exit 3)', () => {
    const back = errorFromData(cloned(errorToData(new DivergenceError(7, 'loss', 'models/a.bin'))), 'worker');
    expect(back).toBeInstanceOf(DivergenceError);
    expect(back).toMatchObject({ iteration: 7, term: 'loss', checkpoint: 'models/a.bin' });
    expect(exitStatusOf(back)?.code).toBe(3);
    const without = errorToData(new DivergenceError(2, 'grad'));
    expect(without).toEqual({ kind: 'diverged', iteration: 2, term: 'grad' });
  });

  it('a bad input comes back an ExperimentFailure with the same error (exit 2)', () => {
    const error = configInvalid('--ddpm.batch', 'must be >= 2, got 1');
    const back = errorFromData(cloned(errorToData(new ExperimentFailure(error))), 'worker');
    expect(back).toBeInstanceOf(ExperimentFailure);
    expect((back as ExperimentFailure).error).toEqual(error);
    expect(exitStatusOf(back)?.code).toBe(2);
  });

  it('anything else comes back an Error naming where it happened, with its message', () => {
    const data: ErrorData = errorToData(new TypeError('x is undefined'));
    expect(data).toEqual({ kind: 'other', message: 'x is undefined' });
    expect(errorFromData(data, 'DDPM worker').message).toBe('DDPM worker: x is undefined');
    expect(errorToData('plain')).toEqual({ kind: 'other', message: 'plain' });
  });

  it('outcomeOf and valueOf carry a value through, or rethrow the error typed', async () => {
    expect(valueOf(cloned(await outcomeOf(async () => 42)), 'task')).toBe(42);
    const failed = cloned(await outcomeOf(async () => Promise.reject(new DivergenceError(3, 'bound'))));
    expect('failure' in failed).toBe(true);
    expect(() => valueOf(failed, 'task')).toThrow(DivergenceError);
  });
});
