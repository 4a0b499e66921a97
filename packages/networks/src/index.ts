/**
 * Drift and score networks: Fourier-time MLP and time-conditioned U-Net.
 * @module @diffflow/networks
 */
export type { VectorField, Parameter } from './vector_field.js';
export { variablesOf } from './vector_field.js';
export { vectorField } from './field.js';
export type { VectorFieldSpec } from './field.js';
export { scaleField, shiftField, mapTime, sumFields, scoreFromEpsilon, epsilonFromScore } from './combinators.js';
export { dense } from './dense.js';
export { gatedDensePullback, DENSE_PULLBACK_KERNEL } from './dense_pullback.js';
export { wasmKernelsActive } from './wasm_kernels.js';
export type { DensePullback } from './dense_pullback.js';
export { activation, activationNames, flushedSigmoid, GATE_FLUSH, GATE_KERNEL } from './activation.js';
export type { ActivationName } from './activation.js';
export { fourierMlp } from './fourier_mlp.js';
export type { FourierMlpOptions, FourierMlp, Linearization, LinearizeOptions } from './fourier_mlp.js';
export { vjp, hasVjp, hasLinearize, linearize, registerPullbacks, autodiffVjp, timeTable } from './vjp.js';
export type { VjpResult, WithVjp, FieldLinearization, FieldLinearizeOptions, LinearizeFn, Pullbacks, TableLinearization, TimeTable, TimeTableFn } from './vjp.js';
export * from './unet_index.js';
export { modelFromSpec, replicaFromSpec, ddpmSchedule, fieldFromSpec, sdeFromSpec, diffusionFromSpec, fixedSdeFromSpec, eventShape, checkModelSpec, normalizeModelSpec } from './model_spec.js';
export { fourierDiffFlowSpec } from './fourier_diffflow_spec.js';
export type { FourierDiffFlowOptions } from './fourier_diffflow_spec.js';
export type { ModelSpec, FieldSpec, SdeNodeSpec, FixedSdeSpec, DiffusionSpec, SpecReplica, SpecNetworks } from './model_spec.js';
