/**
 * A child process for user_field_errors.test.ts: a program that forgot `selectBackend()` (tfjs-core
 * alone, no backend imported). Prints one JSON line: the error each entry point gave.
 */
import { constantDiffusion, diffusionModel, linearDrift, sde } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { sampleMarginal } from '@diffflow/likelihood';

const attempt = (f: () => unknown): { name: string; message: string } => {
  try {
    f();
    return { name: 'none', message: '' };
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
};
// a model without tensors: parameter-free fields need no backend to be built
const field = linearDrift(() => -1);
const model = diffusionModel(sde({ drift: field, diffusion: constantDiffusion(1), interval: [0, 1] }), field);
console.log(
  JSON.stringify({
    fourierMlp: attempt(() => fourierMlp({ dim: 2 })),
    sampleMarginal: attempt(() => sampleMarginal(model, { grid: [0, 0.5, 1], lambda: 1, n: 2, shape: [2], seed: 1 })),
  }),
);
