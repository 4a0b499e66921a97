export type { VectorField, Parameter } from './vector_field.js';
export { variablesOf } from './vector_field.js';
export { dense } from './dense.js';
export { activation, activationNames } from './activation.js';
export type { ActivationName } from './activation.js';
export { fourierMlp } from './fourier_mlp.js';
export type { FourierMlpOptions } from './fourier_mlp.js';
export { vjp, hasVjp } from './vjp.js';
export type { VjpResult, WithVjp } from './vjp.js';
