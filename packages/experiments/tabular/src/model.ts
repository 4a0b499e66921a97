import { constantDiffusion, diffflowSde, diffusionModel, type DiffusionModel } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import type { TabularConfig } from './config.js';

/**
 * The tabular DiffFlow: two Fourier-time MLPs (drift f, score s) on [B, D] and a constant g, on [0, T].
 * Each MLP has an input layer, `layers` hidden layers and an output layer (≤ 5 layers, as the paper).
 */
export function tabularModel(config: Pick<TabularConfig, 'hidden' | 'layers' | 'activation' | 'g' | 'seed' | 'T'>, dim: number): DiffusionModel {
  const common = { dim, hidden: config.hidden, layers: config.layers, activation: config.activation, seed: config.seed } as const;
  const drift = fourierMlp({ ...common, name: 'drift' });
  return diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(config.g), interval: [0, config.T] }), fourierMlp({ ...common, name: 'score' }));
}
