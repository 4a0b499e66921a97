/**
 * toy2d's default configuration on its own, with no import but the config's type and sde-core's
 * `defaultLambda`, so the browser entry (`@diffflow/experiment-toy2d/browser`) can export it without
 * the CLI's Node-only modules.
 */
import { defaultLambda } from '@diffflow/sde-core';
import type { Toy2dConfig } from './config.js';

/**
 * Defaults: the reference 2-D configuration (two Fourier MLPs with 3 hidden layers, N = 30 on a
 * grid uniform in t^0.9 over [1e-3, 0.05], g = 0.2, Adam 1e-2 with StepLR, clip 1, EMA) scaled to
 * train in under four minutes on a 2-core CPU: width 64 instead of 128, batch 512 instead of 5000,
 * 2600 iterations instead of 3000 with StepLR ×½ every 650 (93.8 % of samples inside the squares
 * against 93.4 % at 2000 halved every 500, the defaults before DiffFlow's wasm kernels made an
 * iteration a third faster; docs/results/toy2d-defaults.md), EMA 0.995 instead of 0.999; every
 * iteration split across all cores (`workers` 0: one thread per core, `dataParallel`), and the
 * final samples drawn with the library's one default λ (sde-core's `defaultLambda`, 1: the backward
 * SDE; `--sampleLambda=0` the probability-flow ODE, measured sharper on one checkpoint, toy2d README). `--hidden=128` gives the reference network. A cloud of
 * your own (`--points=<file.npy>`) gets jitter σ = 0.04, the playground's for a drawing on [−4, 4]².
 */
export const toy2dDefaults: Omit<Toy2dConfig, 'out'> & { out: string } = {
  dataset: 'checkerboard',
  points: [],
  jitter: 0.04,
  iters: 2600,
  batchSize: 512,
  steps: 30,
  tMin: 1e-3,
  T: 0.05,
  beta: 0.9,
  g: 0.2,
  flexible: false,
  hidden: 64,
  layers: 3,
  lr: 1e-2,
  lrDecay: 0.5,
  lrDecayEvery: 650,
  clip: 1,
  ema: 0.995,
  strategy: 'adjoint',
  seed: 0,
  workers: 0,
  samples: 10_000,
  sampler: 'euler-maruyama',
  sampleLambda: defaultLambda,
  checkpointEvery: 250,
  maxRetries: 3,
  out: '',
  resume: false,
};
