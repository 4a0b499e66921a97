import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { decodeStrict, flagsOf } from './config.js';
import { constantGFields, constantGTrainerConfig, optimizerFields, trainerSettings } from './trainer_fields.js';

const settings = {
  lr: 0.01, lrDecay: 0.5, lrDecayEvery: 100, clip: 1, ema: 0.999, strategy: 'adjoint' as const, seed: 3, maxRetries: 2,
  iters: 10, batchSize: 8, steps: 5, tMin: 0.001, T: 0.05, beta: 0.9, g: 0.2, flexible: true,
};

describe('trainer fields', () => {
  it('decode as flags of their own kinds', () => {
    const codec = t.strict({ ...optimizerFields, ...constantGFields });
    expect(flagsOf(codec)).toMatchObject({ lr: 'number', lrDecayEvery: 'int', strategy: 'string', flexible: 'boolean', batchSize: 'int' });
    const { maxRetries: _, ...fields } = settings;
    expect(decodeStrict(codec, fields)._tag).toBe('Right');
  });

  it("map onto the trainer's configuration: ema is its emaDecay, the constant-g grid its time", () => {
    expect(trainerSettings(settings)).toEqual({ seed: 3, lr: 0.01, lrDecay: 0.5, lrDecayEvery: 100, clip: 1, emaDecay: 0.999, strategy: 'adjoint', maxRetries: 2 });
    expect(constantGTrainerConfig(settings)).toEqual({
      ...trainerSettings(settings),
      time: { tMin: 0.001, tMax: 0.05, beta: 0.9, steps: 5, flexible: true },
    });
  });
});
