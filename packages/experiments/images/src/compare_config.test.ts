import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { formatError, parseOverrides, resolveConfig } from '@diffflow/cli';
import { imagePresetDefaults } from './config.js';
import { type CheckedCompare, checkCompareConfig, compareDefaultsFor, compareFlags, compareSampler, compareTrainingFields, CompareImagesConfig, defaultCompareOut, diffflowRecipeProblem, diffflowTrainConfig } from './compare_config.js';

/** Decodes and checks a command line as `images compare` does; the error line, or the checked config. */
function decode(argv: readonly string[]): { error: string } | CheckedCompare {
  const overrides = parseOverrides(argv, compareFlags);
  if (E.isLeft(overrides)) return { error: formatError(overrides.left) };
  const decoded = resolveConfig(CompareImagesConfig, compareDefaultsFor(overrides.right), overrides.right);
  if (E.isLeft(decoded)) return { error: formatError(decoded.left) };
  const checked = checkCompareConfig(decoded.right, Object.keys(overrides.right));
  return E.isLeft(checked) ? { error: formatError(checked.left) } : checked.right;
}

describe('images compare configuration', () => {
  it("defaults: DiffFlow's cpu preset, N ∈ {5, 10, 20, 30, 50, 100}; --quick swaps in the CI size under the other flags", () => {
    const full = decode([]);
    if ('error' in full) throw new Error(full.error);
    expect(full.sampleSteps).toEqual([5, 10, 20, 30, 50, 100]);
    const { samples: _a, sampleSteps: _b, out: _c, resume: _d, ...cpu } = imagePresetDefaults.cpu;
    expect(full.config).toMatchObject({ ...cpu, preset: 'cpu', diffflowRun: '', ddpmIters: 0, quick: false });
    // the DiffFlow run trained here is images:train's cpu preset itself
    expect(diffflowTrainConfig(full.config, 'x')).toEqual({ ...imagePresetDefaults.cpu, preset: 'cpu', out: 'x' });
    const quick = decode(['--quick', '--samples=6']);
    if ('error' in quick) throw new Error(quick.error);
    expect(quick.sampleSteps).toEqual([2, 3]);
    expect(quick.config).toMatchObject({ quick: true, preset: 'tiny', size: 32, heldOut: 2000, samples: 6, forward: 'vp', warmup: 3, iters: 5 });
    expect(defaultCompareOut(quick.config)).toBe('runs/images-compare-mnist-seed0-quick');
    // every images:train field but its output and end-of-run grid is a flag here
    expect(compareTrainingFields).toContain('warmupBatch');
    expect(compareTrainingFields).not.toContain('sampleSteps');
  });

  it('bad input names the flag or field', () => {
    expect(decode(['--sampleStep=5'])).toEqual({ error: expect.stringMatching(/unknown option '--sampleStep'.*did you mean '--sampleSteps'/) });
    expect(decode(['--sampleSteps=5,0'])).toEqual({ error: expect.stringMatching(/sampleSteps.*comma-separated list of integers >= 1/) });
    expect(decode(['--sampleSteps=5,5'])).toEqual({ error: expect.stringMatching(/sampleSteps.*must not list an N twice/) });
    expect(decode(['--samples=4', '--figureSamples=8'])).toEqual({ error: expect.stringMatching(/figureSamples.*<= samples = 4/) });
    expect(decode(['--forward=learned', '--warmup=0', '--T=0.05'])).toEqual({ error: expect.stringMatching(/forward.*must be 'vp'/) });
    expect(decode(['--warmup=0'])).toEqual({ error: expect.stringMatching(/warmup.*must be >= 1/) });
    // with --diffflowRun the run's own configuration rules: a training flag beside it is refused, --workers is not
    expect(decode(['--diffflowRun=runs/x', '--preset=tiny'])).toEqual({ error: expect.stringMatching(/--preset.*cannot be given with --diffflowRun/) });
    expect(decode(['--diffflowRun=runs/x', '--workers=1'])).toMatchObject({ config: { diffflowRun: 'runs/x', workers: 1 } });
    // --sampler is the comparison's own (allowed beside --diffflowRun); one DiffFlow's learned drift cannot run is refused
    expect(decode(['--diffflowRun=runs/x', '--sampler=heun'])).toMatchObject({ config: { sampler: 'heun' } });
    expect(decode(['--sampler=dpm-solver'])).toEqual({ error: expect.stringMatching(/sampler.*'dpm-solver' needs an SDE with a fixed linear drift/) });
  });

  it("the sampler takes its own settings as flags (beside --diffflowRun too); a setting it lacks is refused naming the flag", () => {
    const em = decode(['--diffflowRun=runs/x']);
    if ('error' in em) throw new Error(em.error);
    expect(compareSampler(em.config)).toEqual({ name: 'euler-maruyama', settings: {} });
    const pc = decode(['--diffflowRun=runs/x', '--sampler=predictor-corrector', '--snr=0.3', '--correctorSteps=2', '--denoise=false']);
    if ('error' in pc) throw new Error(pc.error);
    expect(compareSampler(pc.config)).toEqual({ name: 'predictor-corrector', settings: { snr: 0.3, correctorSteps: 2, denoise: false } });
    const lambda = decode(['--lambda=1']);
    if ('error' in lambda) throw new Error(lambda.error);
    expect(compareSampler(lambda.config)).toEqual({ name: 'euler-maruyama', settings: { lambda: 1 } });
    expect(decode(['--sampler=heun', '--lambda=1'])).toEqual({ error: "option '--lambda': is not a setting of sampler 'heun' (its settings: none)" });
    expect(decode(['--order=2'])).toEqual({ error: "option '--order': is not a setting of sampler 'euler-maruyama' (its settings: --lambda, --denoise)" });
    expect(decode(['--snr=0'])).toEqual({ error: expect.stringMatching(/snr.*must be a number > 0/) });
  });

  it('diffflowRecipeProblem: the DDPM baseline continues a VP run with a warm-up on [tMin, 1]', () => {
    expect(diffflowRecipeProblem({ forward: 'vp', warmup: 1, T: 1 })).toBeUndefined();
    expect(diffflowRecipeProblem({ forward: 'vp', warmup: 1, T: 0.5 })?.field).toBe('T');
  });
});
