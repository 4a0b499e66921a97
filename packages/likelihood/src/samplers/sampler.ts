import * as tf from '@tensorflow/tfjs-core';
import { checkSdeGrid, rowNormals, type DiffusionModel, type TimeGrid, type Trajectory } from '@diffflow/sde-core';
import { checkData, checkInteger, checkModelShape, checkSampleShape, chunks, sizeOf, sliceRows } from '../checks.js';

/**
 * The sampler interface: a named step rule with typed settings, run by one shell ({@link runSampler})
 * that owns everything samplers share — argument checks, the prior draw, row chunks and shards, keyed
 * noise, the path, tensor disposal. A sampler is one {@link defineSampler} call (see euler_maruyama.ts);
 * adding one to the library is that file plus a line in registry.ts.
 */

/** The NoiseKey purpose of a sampler's step noise: row r of step i is keyed (seed, 'sample/noise', r, i). */
export const samplerNoisePurpose = 'sample/noise';

/** One setting of a sampler: its type, default and allowed values, and a line for `--help` and menus. */
export type SamplerSetting =
  | {
      readonly kind: 'number';
      readonly description: string;
      readonly default: number;
      /** Smallest allowed value (inclusive unless `exclusiveMin`). */
      readonly min?: number;
      readonly exclusiveMin?: boolean;
      readonly max?: number;
    }
  | { readonly kind: 'integer'; readonly description: string; readonly default: number; readonly min?: number; readonly max?: number }
  | { readonly kind: 'boolean'; readonly description: string; readonly default: boolean };

/** A sampler's settings by name (camelCase: the command-line flags are `--<name>`). */
export type SettingsSchema = Readonly<Record<string, SamplerSetting>>;

/** The values of a schema's settings. */
export type SettingsOf<S extends SettingsSchema> = { readonly [K in keyof S]: S[K] extends { kind: 'boolean' } ? boolean : number };

/** A setting's value as plain data (what a spec, a flag or a menu carries). */
export type SettingValue = number | boolean;

/** A bad sampler setting: names the sampler, the setting and what is allowed. */
export class SamplerSettingError extends RangeError {
  constructor(
    readonly sampler: string,
    readonly setting: string,
    /** What the setting allows, e.g. 'an integer in [1, 3]', or the list of setting names. */
    readonly allowed: string,
    message: string,
  ) {
    super(message);
    this.name = 'SamplerSettingError';
  }
}

/** A model the sampler cannot run (e.g. DPM-Solver on an SDE without a closed-form marginal): names both. */
export class SamplerModelError extends RangeError {
  constructor(
    readonly sampler: string,
    /** The SDE's name. */
    readonly sde: string,
    message: string,
  ) {
    super(message);
    this.name = 'SamplerModelError';
  }
}

/** What a setting allows, in words: 'a number ≥ 0', 'an integer in [1, 3]', 'true or false'. */
export function describeSetting(setting: SamplerSetting): string {
  if (setting.kind === 'boolean') return 'true or false';
  const what = setting.kind === 'integer' ? 'an integer' : 'a number';
  const lo = setting.min;
  const hi = setting.max;
  const open = setting.kind === 'number' && setting.exclusiveMin === true;
  if (lo !== undefined && hi !== undefined) return `${what} in ${open ? '(' : '['}${lo}, ${hi}]`;
  if (lo !== undefined) return `${what} ${open ? '>' : '≥'} ${lo}`;
  if (hi !== undefined) return `${what} ≤ ${hi}`;
  return what;
}

function allows(setting: SamplerSetting, value: unknown): boolean {
  if (setting.kind === 'boolean') return typeof value === 'boolean';
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (setting.kind === 'integer' && !Number.isInteger(value)) return false;
  const open = setting.kind === 'number' && setting.exclusiveMin === true;
  if (setting.min !== undefined && (open ? value <= setting.min : value < setting.min)) return false;
  return setting.max === undefined || value <= setting.max;
}

/**
 * A sampler's full settings: each given one checked, every other its default.
 * @throws SamplerSettingError naming the sampler, the setting and what it allows (an unknown setting: the names it has)
 */
export function resolveSettings<S extends SettingsSchema>(sampler: Pick<Sampler<S>, 'name' | 'settings'>, given: Readonly<Record<string, unknown>> = {}): SettingsOf<S> {
  const names = Object.keys(sampler.settings);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const setting = sampler.settings[key];
    if (setting === undefined) {
      const list = names.length === 0 ? 'none' : names.join(', ');
      throw new SamplerSettingError(sampler.name, key, list, `sampler '${sampler.name}' has no setting '${key}' (its settings: ${list})`);
    }
    if (!allows(setting, value)) {
      const allowed = describeSetting(setting);
      throw new SamplerSettingError(sampler.name, key, allowed, `sampler '${sampler.name}': setting '${key}' must be ${allowed}, got ${JSON.stringify(value) ?? String(value)}`);
    }
    out[key] = value;
  }
  for (const key of names) if (!(key in out)) out[key] = (sampler.settings[key] as SamplerSetting).default;
  return Object.freeze(out) as SettingsOf<S>;
}

/** What a sampler's step rule sees for one chunk of rows. */
export interface SamplerChunk<V> {
  readonly model: DiffusionModel;
  /** The sampler's resolved settings. */
  readonly settings: V;
  /** t_0 < … < t_N: the rule steps from grid[i + 1] to grid[i], i = N − 1 … 0. */
  readonly grid: TimeGrid;
  /** This chunk's rows [start, end) of the whole n-row draw. */
  readonly rows: readonly [number, number];
  /** Per-sample dims D…. */
  readonly shape: readonly number[];
  /** Root seed of the draw. */
  readonly seed: number;
  /**
   * δ ~ N(0, I) for this chunk's rows, [end − start, ...shape], row r keyed (seed, purpose, r, step):
   * any split of the rows draws the same numbers. The caller disposes it.
   * @param purpose default {@link samplerNoisePurpose}
   */
  normal(step: number, purpose?: string): tf.Tensor;
}

/** A step rule running on one chunk: it may keep state between steps (a multistep history). */
export interface SamplerStepper {
  /**
   * x at grid[i + 1] → x at grid[i] (a new tensor; `x` is the shell's). Called for i = N − 1 … 0 in turn.
   * @param x [B, ...D] @returns [B, ...D]
   */
  step(x: tf.Tensor, i: number): tf.Tensor;
  /** Frees what the rule kept between steps (called once, also when a step throws). */
  dispose?(): void;
}

/**
 * A sampler: a name, a description, typed settings with defaults, and its step rule.
 * Build one with {@link defineSampler}; run it with {@link runSampler}.
 */
export interface Sampler<S extends SettingsSchema = SettingsSchema> {
  /** Registry name, lower-case with dashes: 'euler-maruyama'. */
  readonly name: string;
  /** One line for `--help` and menus. */
  readonly description: string;
  /** Its settings, each with a default. */
  readonly settings: S;
  /** Throws (a {@link SamplerModelError}) when the rule cannot run this model with these settings. */
  checkModel?(model: DiffusionModel, settings: SettingsOf<S>): void;
  /** The step rule for one chunk of rows. */
  start(chunk: SamplerChunk<SettingsOf<S>>): SamplerStepper;
}

const samplerName = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * A checked, frozen {@link Sampler}: its name lower-case words with dashes, every default allowed
 * by its own setting.
 */
export function defineSampler<S extends SettingsSchema>(sampler: Sampler<S>): Sampler<S> {
  if (!samplerName.test(sampler.name)) throw new RangeError(`defineSampler: name must be lower-case words joined by dashes (e.g. 'my-sampler'), got '${sampler.name}'`);
  for (const [key, setting] of Object.entries(sampler.settings)) {
    if (!allows(setting, setting.default)) {
      throw new RangeError(`defineSampler: '${sampler.name}' setting '${key}' has default ${String(setting.default)}, which is not ${describeSetting(setting)}`);
    }
  }
  return Object.freeze({ ...sampler, settings: Object.freeze({ ...sampler.settings }) });
}

/** What to sample: the grid, the draw's size and keys, and the optional initial batch. */
export interface SampleRequest {
  /** t_0 < … < t_N inside the SDE's interval; sampling runs from T = t_N back to t_0. */
  readonly grid: TimeGrid;
  /** Number of samples n ≥ 1 of the whole draw. */
  readonly n: number;
  /** Per-sample dims D… (e.g. [2], or [32, 32, 3]). */
  readonly shape: readonly number[];
  /**
   * Root seed. Row r's prior draw is keyed (seed, 'sample/prior', r, 0) through the SDE's prior, its
   * step-i noise (seed, 'sample/noise', r, i) (a sampler's other noise: its own purpose).
   */
  readonly seed: number;
  /** Samples of p_T to start from, [n, ...shape] (not disposed); default the SDE's prior drawn from `seed`. */
  readonly prior?: tf.Tensor;
  /** Only rows [start, end) of the n-row draw (a data-parallel shard): equal to those rows of the whole. Default [0, n). */
  readonly rows?: readonly [number, number];
  /** Also return every state x_N … x_0 at the grid's times (for plots). Default false. */
  readonly trajectory?: boolean;
  /** Rows simulated at once (memory is O(batchSize), plus the outputs). Default 1024. */
  readonly batchSize?: number;
}

/** What a sampler returns. */
export interface SampleResult {
  /** x_0 at t_0: [end − start, ...shape]. The caller disposes it. */
  readonly samples: tf.Tensor;
  /** With `trajectory: true`: states[i] at grid[i] (states[0] equals `samples`, states[N] the prior draw). */
  readonly trajectory?: Trajectory;
}

/**
 * Runs a sampler: checks the request, then for each chunk of rows draws (or slices) the prior and
 * steps it from t_N to t_0 with the sampler's rule. Rows are keyed by index, so the samples depend
 * neither on `batchSize` nor on how rows are split across threads (`rows`) — for a rule whose steps
 * treat rows independently (every library sampler but rk45, whose step size is chosen per chunk).
 * @param settings the sampler's settings by name (checked; absent ones take their defaults)
 * @throws RangeError naming the argument; {@link SamplerSettingError}; {@link SamplerModelError}
 */
export function runSampler<S extends SettingsSchema>(
  sampler: Sampler<S>,
  model: DiffusionModel,
  request: SampleRequest,
  settings: Readonly<Record<string, unknown>> = {},
): SampleResult {
  const where = `sampler '${sampler.name}'`;
  const resolved = resolveSettings(sampler, settings);
  const { grid, n, shape, seed } = request;
  checkSdeGrid(model.sde, grid, `${where}: grid`);
  checkInteger(n, where, 'n', 1);
  checkSampleShape(shape, where, 'shape');
  if (!Number.isFinite(seed)) throw new RangeError(`${where}: seed must be a finite number, got ${seed}`);
  const batchSize = request.batchSize ?? 1024;
  checkInteger(batchSize, where, 'batchSize', 1);
  const [start, end] = request.rows ?? [0, n];
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= n)) {
    throw new RangeError(`${where}: rows must be integers with 0 ≤ start < end ≤ n = ${n}, got [${start}, ${end})`);
  }
  if (request.prior !== undefined) {
    const p = request.prior;
    if (p.rank !== shape.length + 1 || p.shape[0] !== n || shape.some((d, k) => p.shape[k + 1] !== d)) {
      throw new RangeError(`${where}: prior must be [n, ...shape] = [${[n, ...shape].join(', ')}], got [${p.shape.join(', ')}]`);
    }
    checkData(p, where, 'prior');
  }
  const steps = grid.length - 1;
  checkModelShape(model, shape, grid[steps] as number, where, 'shape');
  sampler.checkModel?.(model, resolved);
  const d = sizeOf(shape);
  const { prior } = model.sde;
  const path = request.trajectory === true;

  const sampleChunks: tf.Tensor[] = [];
  const stateChunks: tf.Tensor[][] = Array.from({ length: steps + 1 }, () => []);
  try {
    for (const local of chunks(end - start, batchSize)) {
      const rows: readonly [number, number] = [start + local[0], start + local[1]];
      const b = rows[1] - rows[0];
      let x = request.prior !== undefined ? sliceRows(request.prior, rows) : prior.sample(rows, shape, seed);
      let stepper: SamplerStepper | null = null;
      try {
        if (x.shape[0] !== b || x.shape.slice(1).some((k, i) => k !== shape[i])) {
          throw new RangeError(`${where}: prior '${prior.name}' sampled [${x.shape.join(', ')}] for rows ${rows[0]}…${rows[1]}, expected [${[b, ...shape].join(', ')}]`);
        }
        stepper = sampler.start({
          model,
          settings: resolved,
          grid,
          rows,
          shape,
          seed,
          normal: (step, purpose = samplerNoisePurpose) => tf.tensor(rowNormals(seed, purpose, rows, d, step), [b, ...shape], 'float32'),
        });
        for (let i = steps - 1; i >= 0; i--) {
          const z = x;
          x = stepper.step(z, i);
          if (path) (stateChunks[i + 1] as tf.Tensor[]).push(z);
          else z.dispose();
        }
      } catch (e) {
        x.dispose();
        throw e;
      } finally {
        stepper?.dispose?.();
      }
      if (path) (stateChunks[0] as tf.Tensor[]).push(tf.clone(x));
      sampleChunks.push(x);
    }
  } catch (e) {
    tf.dispose([...sampleChunks, ...stateChunks.flat()]);
    throw e;
  }
  const join = (parts: tf.Tensor[]): tf.Tensor => {
    if (parts.length === 1) return parts[0] as tf.Tensor;
    const all = tf.concat(parts, 0);
    tf.dispose(parts);
    return all;
  };
  const samples = join(sampleChunks);
  if (!path) return { samples };
  return { samples, trajectory: { times: grid, states: stateChunks.map(join) } };
}
