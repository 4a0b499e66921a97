import type { DiffusionModel } from '@diffflow/sde-core';
import { fourierDiffFlowSpec, modelFromSpec, type ModelSpec } from '@diffflow/networks';
import type { TabularConfig } from './config.js';

/**
 * The tabular DiffFlow as plain data (networks' `fourierDiffFlowSpec`): two Fourier-time MLPs (drift
 * f, score s) on [B, D] and a constant g, on [0, T]. Each MLP has an input layer, `layers` hidden
 * layers and an output layer (≤ 5 layers, as the paper). Built by {@link tabularModel}, and by the
 * pool tabular:sample draws on.
 */
export function tabularModelSpec(config: Pick<TabularConfig, 'hidden' | 'layers' | 'activation' | 'g' | 'seed' | 'T'>, dim: number): ModelSpec {
  return fourierDiffFlowSpec({ dim, hidden: config.hidden, layers: config.layers, activation: config.activation, seed: config.seed, g: config.g, T: config.T });
}

/** The tabular DiffFlow, built from {@link tabularModelSpec}. */
export function tabularModel(config: Pick<TabularConfig, 'hidden' | 'layers' | 'activation' | 'g' | 'seed' | 'T'>, dim: number): DiffusionModel {
  return modelFromSpec(tabularModelSpec(config, dim));
}
