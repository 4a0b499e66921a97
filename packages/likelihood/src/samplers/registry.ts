import type { DiffusionModel } from '@diffflow/sde-core';
import { ddpmAncestral } from './ddpm_ancestral.js';
import { dpmSolver, dpmSolverSde } from './dpm_solver.js';
import { eulerMaruyama } from './euler_maruyama.js';
import { heun } from './heun.js';
import { predictorCorrector } from './predictor_corrector.js';
import { rk45 } from './rk45.js';
import { runSampler, SamplerSettingError, resolveSettings, type SampleRequest, type SampleResult, type Sampler, type SettingValue } from './sampler.js';

/**
 * The library's samplers by name: what `--sampler=NAME` and the playground's menu offer. Adding one
 * is its file plus a line here. Browser-safe (no Node imports).
 */
export const samplerRegistry: Readonly<Record<string, Sampler>> = Object.freeze(
  Object.fromEntries(([eulerMaruyama, heun, predictorCorrector, dpmSolver, dpmSolverSde, ddpmAncestral, rk45] as Sampler[]).map((s) => [s.name, s])),
);

/** The registry's names, in menu order. */
export const samplerNames: readonly string[] = Object.freeze(Object.keys(samplerRegistry));

/** The sampler a command uses when none is named: euler-maruyama (with sde-core's `defaultLambda`). */
export const defaultSamplerName = eulerMaruyama.name;

/** An unknown sampler name: names it and the registry's names. */
export class UnknownSamplerError extends RangeError {
  constructor(
    readonly sampler: string,
    readonly allowed: readonly string[],
  ) {
    super(`unknown sampler '${sampler}'; the samplers are ${allowed.join(', ')}`);
    this.name = 'UnknownSamplerError';
  }
}

/** The registry's sampler of this name. @throws UnknownSamplerError */
export function samplerByName(name: string): Sampler {
  const s = Object.prototype.hasOwnProperty.call(samplerRegistry, name) ? samplerRegistry[name] : undefined;
  if (s === undefined) throw new UnknownSamplerError(name, samplerNames);
  return s;
}

/**
 * A sampler as plain data (what a worker thread, a config file or a URL carries): a registry name and
 * settings, or a user's sampler by the module that exports it (`module`: a URL `import()` accepts,
 * exporting the sampler as `sampler` or under its name).
 */
export interface SamplerSpec {
  readonly name: string;
  readonly settings?: Readonly<Record<string, SettingValue>>;
  /** A module exporting a user's sampler (Node: a file URL); absent for the registry's samplers. */
  readonly module?: string;
}

/**
 * Checks a spec of the registry (name and settings) without sampling: returns its full settings.
 * @throws UnknownSamplerError, SamplerSettingError
 */
export function checkSamplerSpec(spec: SamplerSpec): Readonly<Record<string, SettingValue>> {
  if (spec.module !== undefined) throw new SamplerSettingError(spec.name, 'module', 'a registry sampler', `checkSamplerSpec: '${spec.name}' comes from module ${spec.module}; load it with loadSampler`);
  return resolveSettings(samplerByName(spec.name), spec.settings) as Readonly<Record<string, SettingValue>>;
}

/**
 * The sampler of a spec: the registry's by name, or the one its module exports.
 * @throws UnknownSamplerError; an Error when the module has no such sampler
 */
export async function loadSampler(spec: SamplerSpec): Promise<Sampler> {
  if (spec.module === undefined) return samplerByName(spec.name);
  const exports = (await import(/* @vite-ignore */ spec.module)) as Record<string, unknown>;
  const found = [exports['sampler'], ...Object.values(exports)].find((v): v is Sampler => isSampler(v) && v.name === spec.name);
  if (found === undefined) throw new Error(`loadSampler: module ${spec.module} exports no sampler named '${spec.name}'`);
  return found;
}

function isSampler(v: unknown): v is Sampler {
  return typeof v === 'object' && v !== null && typeof (v as Sampler).name === 'string' && typeof (v as Sampler).start === 'function';
}

/** `runSampler` of the registry's sampler named by `spec` with its settings. */
export function sampleWith(spec: SamplerSpec, model: DiffusionModel, request: SampleRequest): SampleResult {
  if (spec.module !== undefined) throw new RangeError(`sampleWith: '${spec.name}' comes from module ${spec.module}; call runSampler(await loadSampler(spec), …)`);
  return runSampler(samplerByName(spec.name), model, request, spec.settings);
}
