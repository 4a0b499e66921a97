import {
  constantDiffusion,
  diffflowSde,
  diffusionModel,
  piecewiseDiffusion,
  subVpSde,
  veSde,
  vpSchedule,
  vpSde,
  type Diffusion,
  type DiffusionModel,
  type Sde,
  type VectorField,
  type VpSchedule,
} from '@diffflow/sde-core';
import { fourierMlp, type FourierMlp, type FourierMlpOptions } from './fourier_mlp.js';
import { unet, type UNetField, type UNetOptions } from './unet.js';
import { scaleField, scoreFromEpsilon, sumFields } from './combinators.js';

/**
 * A model as plain data, for threads that cannot share functions: an experiment defines its model
 * once as a spec, builds it on its own thread with {@link replicaFromSpec} / {@link modelFromSpec},
 * and the workers of `dataParallel` (@diffflow/parallel) rebuild the identical model (same fields, same parameter names and shapes, in the same order)
 * from it with {@link modelFromSpec}, and the weights travel separately. A spec is a tree of the
 * library's parts: networks (`fourierMlp`, `unet`), combinators (`sumFields`, `scaleField`,
 * `scoreFromEpsilon`), a built-in SDE's own drift, and an SDE (DiffFlow with a learned drift, or
 * VP / sub-VP / VE). Fields built from closures (`vectorField`, `mapTime`, `functionalDiffusion`)
 * have no spec; run them in-process.
 */

/** A built-in SDE with a fixed drift. */
export type FixedSdeSpec =
  | { readonly kind: 'vp' | 'subVp'; readonly betaMin: number; readonly betaMax: number }
  | { readonly kind: 've'; readonly sigmaMin: number; readonly sigmaMax: number };

/** g(t): a constant, piecewise-linear through (times, values), or a built-in SDE's g (√β(t) for VP). */
export type DiffusionSpec =
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'piecewise'; readonly times: readonly number[]; readonly values: readonly number[] }
  | { readonly kind: 'sde'; readonly sde: FixedSdeSpec };

/** A vector field v(x, t) built from library parts. */
export type FieldSpec =
  | { readonly kind: 'fourierMlp'; readonly options: FourierMlpOptions }
  | { readonly kind: 'unet'; readonly options: UNetOptions }
  /** A built-in SDE's drift (−½β(t)x for VP; 0 for VE): no parameters. */
  | { readonly kind: 'sdeDrift'; readonly sde: FixedSdeSpec }
  /** Σ_k v_k (`sumFields`). */
  | { readonly kind: 'sum'; readonly fields: readonly FieldSpec[]; readonly name?: string }
  /** c·v (`scaleField` with a constant). */
  | { readonly kind: 'scale'; readonly field: FieldSpec; readonly factor: number; readonly name?: string }
  /** −ε(x, t)/σ(t) of the SDE's marginal (`scoreFromEpsilon`). */
  | { readonly kind: 'scoreFromEpsilon'; readonly epsilon: FieldSpec; readonly sde: FixedSdeSpec; readonly name?: string };

/** The SDE of a model: DiffFlow (learned drift, g, optional interval) or a built-in one. */
export type SdeNodeSpec =
  | { readonly kind: 'diffflow'; readonly drift: FieldSpec; readonly diffusion: DiffusionSpec; readonly interval?: readonly [number, number] }
  | FixedSdeSpec;

/**
 * A model a worker can rebuild: `diffusionModel(sde, score)` of the two specs. Two older shorthands
 * are accepted (deprecated): `{ drift, score, diffusion }` with Fourier-MLP options (DiffFlow), and
 * `{ sde: FixedSdeSpec, score: FourierMlpOptions }` (the score `scoreFromEpsilon` of that ε-network).
 */
export type ModelSpec =
  | { readonly sde: SdeNodeSpec; readonly score: FieldSpec }
  | { readonly drift: FourierMlpOptions; readonly score: FourierMlpOptions; readonly diffusion: DiffusionSpec }
  | { readonly sde: FixedSdeSpec; readonly score: FourierMlpOptions };

const fail = (where: string, what: unknown): never => {
  throw new RangeError(`modelFromSpec: ${where} has no kind this library builds, got ${JSON.stringify(what)}`);
};

/** The SDE of a {@link FixedSdeSpec}. */
export function fixedSdeFromSpec(spec: FixedSdeSpec): Sde {
  if (spec.kind === 'vp' || spec.kind === 'subVp') {
    const schedule = vpSchedule({ betaMin: spec.betaMin, betaMax: spec.betaMax });
    return spec.kind === 'vp' ? vpSde(schedule) : subVpSde(schedule);
  }
  if (spec.kind === 've') return veSde({ sigmaMin: spec.sigmaMin, sigmaMax: spec.sigmaMax });
  return fail('sde.kind', (spec as { kind: unknown }).kind);
}

/** g(t) of a {@link DiffusionSpec}. */
export function diffusionFromSpec(spec: DiffusionSpec): Diffusion {
  if (spec.kind === 'constant') return constantDiffusion(spec.value);
  if (spec.kind === 'piecewise') return piecewiseDiffusion(spec.times, spec.values);
  if (spec.kind === 'sde') return fixedSdeFromSpec(spec.sde).diffusion;
  return fail('diffusion.kind', (spec as { kind: unknown }).kind);
}

/** The networks a spec built, by kind and by their `name` option (the network's own name). */
export interface SpecNetworks {
  readonly fourierMlp: Readonly<Record<string, FourierMlp>>;
  readonly unet: Readonly<Record<string, UNetField>>;
}

/** Records each network as it is built (a field spec names no network twice in a sane model; the last wins). */
interface NetworkLog {
  fourierMlp: Record<string, FourierMlp>;
  unet: Record<string, UNetField>;
}

/** The field of a {@link FieldSpec} (new variables, initialised from the spec's seeds). */
export function fieldFromSpec(spec: FieldSpec): VectorField {
  return buildField(spec, undefined);
}

function buildField(spec: FieldSpec, log: NetworkLog | undefined): VectorField {
  const name = spec.kind === 'sum' || spec.kind === 'scale' || spec.kind === 'scoreFromEpsilon' ? (spec.name === undefined ? [] : [spec.name]) : [];
  switch (spec.kind) {
    case 'fourierMlp': {
      const net = fourierMlp(spec.options);
      if (log !== undefined) log.fourierMlp[spec.options.name ?? 'mlp'] = net;
      return net;
    }
    case 'unet': {
      const net = unet(spec.options);
      if (log !== undefined) log.unet[spec.options.name ?? 'unet'] = net;
      return net;
    }
    case 'sdeDrift':
      return fixedSdeFromSpec(spec.sde).drift;
    case 'sum':
      return sumFields(spec.fields.map((f) => buildField(f, log)), ...name);
    case 'scale':
      return scaleField(buildField(spec.field, log), spec.factor, ...name);
    case 'scoreFromEpsilon':
      return scoreFromEpsilon(buildField(spec.epsilon, log), fixedSdeFromSpec(spec.sde), ...name);
    default:
      return fail('field.kind', (spec as { kind: unknown }).kind);
  }
}

/** The SDE of a {@link SdeNodeSpec}. */
export function sdeFromSpec(spec: SdeNodeSpec): Sde {
  return buildSde(spec, undefined);
}

function buildSde(spec: SdeNodeSpec, log: NetworkLog | undefined): Sde {
  if (spec.kind !== 'diffflow') return fixedSdeFromSpec(spec);
  return diffflowSde({ drift: buildField(spec.drift, log), diffusion: diffusionFromSpec(spec.diffusion), ...(spec.interval === undefined ? {} : { interval: spec.interval }) });
}

/** A spec in its general form (the deprecated shorthands rewritten). */
export function normalizeModelSpec(spec: ModelSpec): { readonly sde: SdeNodeSpec; readonly score: FieldSpec } {
  if ('drift' in spec) {
    return { sde: { kind: 'diffflow', drift: { kind: 'fourierMlp', options: spec.drift }, diffusion: spec.diffusion }, score: { kind: 'fourierMlp', options: spec.score } };
  }
  if ('kind' in spec.score) return spec as { readonly sde: SdeNodeSpec; readonly score: FieldSpec };
  const sde = spec.sde as FixedSdeSpec;
  return { sde, score: { kind: 'scoreFromEpsilon', epsilon: { kind: 'fourierMlp', options: spec.score }, sde } };
}

/** Checks a spec without building a network (throws the RangeError a worker would). */
export function checkModelSpec(spec: ModelSpec): void {
  const general = normalizeModelSpec(spec);
  const field = (f: FieldSpec): void => {
    switch (f.kind) {
      case 'fourierMlp':
      case 'unet':
        return;
      case 'sdeDrift':
      case 'scoreFromEpsilon':
        fixedSdeFromSpec(f.sde);
        if (f.kind === 'scoreFromEpsilon') field(f.epsilon);
        return;
      case 'sum':
        if (f.fields.length < 1) throw new RangeError('modelFromSpec: a sum needs at least one field');
        return f.fields.forEach(field);
      case 'scale':
        return field(f.field);
      default:
        fail('field.kind', (f as { kind: unknown }).kind);
    }
  };
  if (general.sde.kind === 'diffflow') {
    diffusionFromSpec(general.sde.diffusion);
    field(general.sde.drift);
  } else fixedSdeFromSpec(general.sde);
  field(general.score);
}

/**
 * The shape [...D] of one sample of a spec's model, read from its networks (a Fourier MLP's [dim],
 * a U-Net's [H, W, C]); undefined when no network fixes it.
 */
export function eventShape(spec: ModelSpec): readonly number[] | undefined {
  const general = normalizeModelSpec(spec);
  const of = (f: FieldSpec): readonly number[] | undefined => {
    switch (f.kind) {
      case 'fourierMlp':
        return [f.options.dim];
      case 'unet':
        return [f.options.height, f.options.width ?? f.options.height, f.options.channels];
      case 'sdeDrift':
        return undefined;
      case 'sum':
        return f.fields.map(of).find((s) => s !== undefined);
      case 'scale':
        return of(f.field);
      case 'scoreFromEpsilon':
        return of(f.epsilon);
    }
  };
  return of(general.score) ?? (general.sde.kind === 'diffflow' ? of(general.sde.drift) : undefined);
}

/** The model a spec describes (what each worker builds; build the caller's model with it too, or compose the same parts). */
export function modelFromSpec(spec: ModelSpec): DiffusionModel {
  return replicaFromSpec(spec).model;
}

/** A model built from a spec, with handles on its parts. */
export interface SpecReplica {
  readonly model: DiffusionModel;
  /** Every Fourier MLP and U-Net the spec built, by name (e.g. an experiment's `drift` and `score` networks). */
  readonly networks: SpecNetworks;
  /** The score's ε-network when the score is `scoreFromEpsilon` of one (its parameters are the score's). */
  readonly epsilon?: VectorField;
  /** The VP schedule of that `scoreFromEpsilon` when its SDE is 'vp' (what DDPM's ε-loss needs). */
  readonly schedule?: VpSchedule;
}

/** The VP schedule of a spec whose score is `scoreFromEpsilon` on a 'vp' SDE; undefined otherwise. */
export function ddpmSchedule(spec: ModelSpec): VpSchedule | undefined {
  const score = normalizeModelSpec(spec).score;
  if (score.kind !== 'scoreFromEpsilon' || score.sde.kind !== 'vp') return undefined;
  return vpSchedule({ betaMin: score.sde.betaMin, betaMax: score.sde.betaMax });
}

/**
 * The model a spec describes — the same fields, parameter names, shapes, order and initial weights
 * on every thread that builds it — with its networks by name, and the score's ε-network (and its VP
 * schedule) when the score is `scoreFromEpsilon` of one.
 */
export function replicaFromSpec(spec: ModelSpec): SpecReplica {
  const general = normalizeModelSpec(spec);
  const log: NetworkLog = { fourierMlp: {}, unet: {} };
  const sde = buildSde(general.sde, log);
  const score = general.score;
  if (score.kind !== 'scoreFromEpsilon') return { model: diffusionModel(sde, buildField(score, log)), networks: log };
  const epsilon = buildField(score.epsilon, log);
  const model = diffusionModel(sde, scoreFromEpsilon(epsilon, fixedSdeFromSpec(score.sde), ...(score.name === undefined ? [] : [score.name])));
  const schedule = ddpmSchedule(spec);
  return { model, networks: log, epsilon, ...(schedule === undefined ? {} : { schedule }) };
}
