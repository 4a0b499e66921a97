/**
 * The sampler menu of the page, from likelihood's sampler registry (pure: shared by the UI and the
 * worker): its options, the choice a page address names, and the plain `SamplerSpec` that crosses
 * the worker boundary. Only λ is a setting of the page; every other setting is the sampler's default.
 */
import { defaultLambda } from '@diffflow/sde-core';
import { checkSamplerSpec, defaultSamplerName, samplerByName, samplerNames, samplerRegistry, type SamplerSpec } from '@diffflow/likelihood';

/** One entry of the `#sampler-kind` menu. */
export interface SamplerOption {
  /** Registry name (the option's value and the address's `sampler=`). */
  readonly name: string;
  /** The sampler's one-line description (the option's title). */
  readonly description: string;
  /** Whether the sampler has a `lambda` setting (the λ slider applies to it). */
  readonly hasLambda: boolean;
}

/** The registry's samplers in menu order. */
export const samplerOptions: readonly SamplerOption[] = Object.freeze(
  samplerNames.map((name) => {
    const s = samplerRegistry[name] as (typeof samplerRegistry)[string];
    return Object.freeze({ name, description: s.description, hasLambda: s.settings['lambda'] !== undefined });
  }),
);

/** The sampler the page starts with: the registry's default (euler-maruyama). */
export const defaultPageSampler = defaultSamplerName;

/** How many samples the page's plots draw. */
export const PLOT_SAMPLES = 1000;

/**
 * The page's sampler settings before the user changes any (what the first plots of a model with
 * N = `steps` and `seed` are drawn with): the default sampler at the default λ, N steps, PLOT_SAMPLES samples.
 */
export function defaultSamplerSettings(steps: number, seed: number): { readonly spec: SamplerSpec; readonly steps: number; readonly n: number; readonly seed: number } {
  return { spec: samplerSpecOf(defaultPageSampler, defaultLambda), steps, n: PLOT_SAMPLES, seed };
}

/**
 * The sampler an address names (`?sampler=heun`): the name when the registry has it, else the
 * default with a line naming the allowed values (absent: the default, no problem).
 */
export function samplerFromQuery(value: string | null): { readonly name: string; readonly problem: string | null } {
  if (value === null || value === '') return { name: defaultPageSampler, problem: null };
  if (samplerNames.includes(value)) return { name: value, problem: null };
  return { name: defaultPageSampler, problem: `sampler must be one of ${samplerNames.join(', ')}, got '${value}'; using ${defaultPageSampler}` };
}

/**
 * The spec of the menu's choice: the sampler by name, with λ when it has a `lambda` setting (its
 * other settings take their defaults).
 * @throws UnknownSamplerError for a name the registry lacks; SamplerSettingError for a λ out of range
 */
export function samplerSpecOf(name: string, lambda: number): SamplerSpec {
  const sampler = samplerByName(name);
  if (sampler.settings['lambda'] === undefined) return { name };
  const spec: SamplerSpec = { name, settings: { lambda } };
  checkSamplerSpec(spec); // a bad λ is refused here, in the page, not in the worker
  return spec;
}
