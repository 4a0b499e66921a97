import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { constantDiffusion, defaultLambda, diffflowSde, diffusionModel, linearDrift, type DiffusionModel } from '@diffflow/sde-core';
import { defaultSamplerName, resolveSettings, samplerByName, samplerNames, samplerRegistry, type SamplerSetting, type SamplerSpec, type SettingValue } from '@diffflow/likelihood';
import { documented, flagsOf, intAtLeast, intInRange, numberAbove, numberAtLeast, numberInRange, oneOf, resolveConfig, type FieldKind } from './config.js';
import { configInvalid, fail, type ExperimentError } from './errors.js';

/** The io-ts codec of one sampler setting: its kind and range, as a command-line flag. */
export function settingCodec(setting: SamplerSetting): t.Type<SettingValue, SettingValue, unknown> {
  if (setting.kind === 'boolean') return t.boolean as t.Type<SettingValue, SettingValue, unknown>;
  const { min, max } = setting;
  if (setting.kind === 'integer') {
    if (min !== undefined && max !== undefined) return intInRange(min, max) as t.Type<SettingValue, SettingValue, unknown>;
    return intAtLeast(min ?? Number.MIN_SAFE_INTEGER) as t.Type<SettingValue, SettingValue, unknown>;
  }
  if (min !== undefined && setting.exclusiveMin === true) {
    if (max !== undefined) throw new RangeError(`settingCodec: a number setting with an exclusive minimum and a maximum has no flag codec yet`);
    return numberAbove(min) as t.Type<SettingValue, SettingValue, unknown>;
  }
  if (min !== undefined && max !== undefined) return numberInRange(min, max) as t.Type<SettingValue, SettingValue, unknown>;
  return numberAtLeast(min ?? -Number.MAX_VALUE) as t.Type<SettingValue, SettingValue, unknown>;
}

/**
 * Every setting of the registry's samplers as a flag (`--lambda`, `--denoise`, `--snr`,
 * `--correctorSteps`, `--order`, `--lowerOrderFinal`, `--posteriorVariance`, `--rtol`, `--atol`, `--maxSteps`), built from
 * the samplers' schemas: a setting two samplers share must have one kind and range (checked here).
 */
export const samplerSettingFlags: Readonly<Record<string, t.Type<SettingValue, SettingValue, unknown>>> = (() => {
  const out: Record<string, t.Type<SettingValue, SettingValue, unknown>> = {};
  const seen: Record<string, string> = {};
  for (const sampler of Object.values(samplerRegistry)) {
    for (const [key, setting] of Object.entries(sampler.settings)) {
      const { description: _, default: __, ...shape } = setting;
      const signature = JSON.stringify(shape);
      if (seen[key] !== undefined && seen[key] !== signature) {
        throw new RangeError(`samplerSettingFlags: setting '${key}' of '${sampler.name}' has another kind or range than the same name of another sampler`);
      }
      seen[key] = signature;
      const owners = Object.values(samplerRegistry).filter((s) => s.settings[key] !== undefined).map((s) => s.name);
      out[key] ??= documented(settingCodec(setting), `${setting.description} (sampler ${owners.join(', ')}).`, String(setting.default));
    }
  }
  return Object.freeze(out);
})();

const { lambda, denoise, ...otherSettings } = samplerSettingFlags;

/**
 * The setting flags ({@link samplerSettingFlags}) as optional fields of a config schema, for a
 * command whose `--sampler` sits in a config record (the compare targets): put them beside the
 * record's `sampler` field (`t.intersection([t.strict({…, sampler}), samplerSettingFields()])`); in a
 * nested record they become dotted flags (`--diffflow.snr`). Read them back with
 * {@link samplerSpecFromFlags} (its `prefix` names the dotted flag in its errors).
 * @param except settings the schema already has as fields of its own (images:compare's `lambda`)
 */
export function samplerSettingFields(except: readonly string[] = []): t.PartialC<Record<string, t.Mixed>> {
  return t.partial(Object.fromEntries(Object.entries(samplerSettingFlags).filter(([k]) => !except.includes(k))));
}

/**
 * The setting flags of a train command's final samples (`toy2d:train`, `images:train`): every
 * registry setting ({@link samplerSettingFields}) but `except` — those its configuration already
 * holds under a name of its own (toy2d's `--sampleLambda`) — with the kinds the command line
 * converts. A train command parses them beside its configuration's flags and takes them out again
 * with {@link takeTrainSamplerSettings}, so its configuration (config.json, the checkpoint) keeps
 * its schema; they change no result of the training, only the final samples.
 */
export function trainSamplerFlags(except: readonly string[] = []): Readonly<Record<string, FieldKind>> {
  return flagsOf(samplerSettingFields(except));
}

/** A train command's command-line overrides split by {@link takeTrainSamplerSettings}. */
export interface TrainSamplerSettings {
  /** The overrides of the configuration's own flags (every key but the setting flags). */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** The setting flags given, decoded and range-checked, by name. */
  readonly settings: Readonly<Record<string, SettingValue>>;
}

/**
 * Splits a train command's overrides (`parseOverrides` over its configuration's flags and
 * {@link trainSamplerFlags}`(except)`) into the configuration's own and the sampler settings,
 * decoding each setting against its range.
 * @returns Left with one error naming `--<setting>` and what it allows
 */
export function takeTrainSamplerSettings(overrides: Readonly<Record<string, unknown>>, except: readonly string[] = []): E.Either<ExperimentError, TrainSamplerSettings> {
  const keys = Object.keys(trainSamplerFlags(except));
  const own = Object.fromEntries(Object.entries(overrides).filter(([k]) => !keys.includes(k)));
  const given = Object.fromEntries(Object.entries(overrides).filter(([k]) => keys.includes(k)));
  const decoded = resolveConfig(samplerSettingFields(except), {}, given);
  if (E.isLeft(decoded)) {
    const e = decoded.left;
    return E.left(e._tag === 'ConfigInvalid' && !e.field.startsWith('-') ? configInvalid(`--${e.field}`, e.reason) : e);
  }
  const settings = Object.fromEntries(Object.entries(decoded.right).filter(([, v]) => v !== undefined)) as Record<string, SettingValue>;
  return E.right({ overrides: own, settings });
}

/**
 * The sampler spec of a train command's final samples: its configuration's `sampler` and the
 * setting flags given ({@link takeTrainSamplerSettings}), each of which must be that sampler's.
 * @throws ExperimentFailure (exit 2) naming the flag and the sampler's settings, before anything is written
 */
export function trainSamplerSpec(sampler: string, settings: Readonly<Record<string, SettingValue>>): SamplerSpec {
  return samplerSpecFromFlags({ ...settings, sampler }, Object.keys(settings));
}

/**
 * The flags of a command that draws samples from a trained run (`toy2d sample`, `images sample`),
 * as io-ts props to spread into a `t.exact(t.partial({...}))` after the command's own `--run` (and
 * whatever else picks its default run folder): every one optional, each checked against its range.
 * `--sampler=NAME` picks a sampler of likelihood's registry; its settings are flags of their own
 * ({@link samplerSettingFlags}), refused for a sampler that does not have them ({@link samplerSettings}).
 * Each is `documented` (its help); what an absent flag means is {@link samplerSettings}.
 */
export const samplerFlags = {
  n: documented(intAtLeast(1), 'Samples to draw.', "the command's"),
  steps: documented(intAtLeast(1), "N of the sampler's fixed time grid.", "the run's"),
  /** euler-maruyama's λ: 0 the probability-flow ODE (sde-core's `defaultLambda`) … 1 the backward SDE. */
  lambda: lambda as t.Type<number, number, unknown>,
  seed: documented(intAtLeast(0), "Seed of the sampler's noise.", "the run's"),
  /** Noise-free Tweedie last step (euler-maruyama and predictor-corrector). */
  denoise: denoise as t.Type<boolean, boolean, unknown>,
  out: documented(t.string, 'Output folder.', '<run>/sample-… named by the sampler and its settings'),
  workers: documented(
    intAtLeast(0),
    "Threads the samples are split across: 0 = one per core, 1 = this thread only. The same samples either way for every sampler but rk45 and predictor-corrector (each row's noise is keyed by its index).",
    '0',
  ),
  sampler: documented(oneOf(samplerNames as readonly string[]), "The sampler, by its name in @diffflow/likelihood's registry; its settings are flags of their own.", defaultSamplerName),
  /** The other samplers' settings (see {@link samplerSettingFlags}). */
  ...otherSettings,
};

/** The decoded {@link samplerFlags}: each one absent or valid (the setting flags by name). */
export type SamplerFlags = t.TypeOf<t.PartialC<typeof samplerFlags>> & { readonly [setting: string]: SettingValue | string | undefined };

/** What a sampling command runs with once every absent flag has its default. */
export interface SamplerSettings {
  /** Samples to draw. */
  readonly n: number;
  /** N of the fixed grid. */
  readonly steps: number;
  /** λ of euler-maruyama (its setting, or sde-core's `defaultLambda`; kept for folder names and summaries). */
  readonly lambda: number;
  /** Seed of the sampler's noise. */
  readonly seed: number;
  /** Noise-free Tweedie last step. */
  readonly denoise: boolean;
  /** Threads (0 = one per core). */
  readonly workers: number;
  /** The sampler and its settings as given (absent ones take the sampler's defaults). */
  readonly sampler: SamplerSpec;
}

/**
 * The sampler spec of a command's flags: `--sampler` (default euler-maruyama) and the setting flags
 * given, each of which must be a setting of that sampler.
 * @throws ExperimentFailure (exit 2) naming the flag and the sampler's settings, before anything is written
 * @param settingKeys the flag names that carry settings (default: every registry setting)
 * @param prefix what the flags of `flags` are written under on the command line (`'diffflow.'` for
 *   toy2d:compare's `--diffflow.sampler` and `--diffflow.snr`; default none)
 */
export function samplerSpecFromFlags(flags: Readonly<Record<string, unknown>>, settingKeys: readonly string[] = Object.keys(samplerSettingFlags), prefix = ''): SamplerSpec {
  const name = typeof flags['sampler'] === 'string' ? flags['sampler'] : defaultSamplerName;
  const sampler = samplerByName(name);
  const own = Object.keys(sampler.settings);
  const settings: Record<string, SettingValue> = {};
  for (const key of settingKeys) {
    const value = flags[key];
    if (value === undefined) continue;
    if (!own.includes(key)) {
      fail(configInvalid(`--${prefix}${key}`, `is not a setting of sampler '${name}' (its settings: ${own.length === 0 ? 'none' : own.map((k) => `--${prefix}${k}`).join(', ')})`));
    }
    settings[key] = value as SettingValue;
  }
  return { name, settings };
}

/**
 * Checks that the spec's sampler can run `model` (e.g. dpm-solver needs an SDE with a closed-form
 * marginal) before a command writes anything.
 * @throws ExperimentFailure (exit 2) naming `--sampler` and why
 */
export function checkSamplerForModel(spec: SamplerSpec, model: DiffusionModel): void {
  try {
    const sampler = samplerByName(spec.name);
    sampler.checkModel?.(model, resolveSettings(sampler, spec.settings));
  } catch (e) {
    if (e instanceof RangeError) fail(configInvalid('--sampler', e.message));
    throw e;
  }
}

/**
 * Why the registry sampler `name` (with its default settings) cannot run a model whose drift is
 * learned — DiffFlow's, and every images model's — or undefined when it can: a config check made
 * before training (dpm-solver and ddpm-ancestral need an SDE with a closed-form marginal).
 */
export function learnedDriftSamplerProblem(name: string): string | undefined {
  try {
    const sampler = samplerByName(name);
    const learned = diffusionModel(diffflowSde({ drift: linearDrift(() => 0, 'drift'), diffusion: constantDiffusion(1) }), linearDrift(() => 0, 'score'));
    sampler.checkModel?.(learned, resolveSettings(sampler));
    return undefined;
  } catch (e) {
    if (e instanceof RangeError) return e.message;
    throw e;
  }
}

/**
 * A sampler spec in a few words, for folder names and plot titles: euler-maruyama as `lambda<λ>`
 * (the folder names of before there were samplers), any other as its name and the settings given.
 */
export function samplerLabel(spec: SamplerSpec): string {
  const given = Object.entries(spec.settings ?? {}).map(([k, v]) => `${k}${String(v)}`);
  if (spec.name === defaultSamplerName) return `lambda${String(spec.settings?.['lambda'] ?? defaultLambda)}${spec.settings?.['denoise'] === false ? '-nodenoise' : ''}`;
  return [spec.name, ...given].join('-');
}

/**
 * The settings of a sampling command: each given flag, else its default — `n`, `steps` and `seed`
 * from `fallback` (the command's and the run's), the sampler euler-maruyama with λ = sde-core's
 * `defaultLambda` (0, the probability-flow ODE), the Tweedie last step on, one thread per core.
 * @throws ExperimentFailure (exit 2) for a setting flag the chosen sampler does not have
 */
export function samplerSettings(flags: SamplerFlags, fallback: { readonly n: number; readonly steps: number; readonly seed: number }): SamplerSettings {
  return {
    n: flags.n ?? fallback.n,
    steps: flags.steps ?? fallback.steps,
    lambda: flags.lambda ?? defaultLambda,
    seed: flags.seed ?? fallback.seed,
    denoise: flags.denoise ?? true,
    workers: flags.workers ?? 0,
    sampler: samplerSpecFromFlags(flags),
  };
}
