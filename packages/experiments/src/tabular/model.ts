import { constantDiffusion, deriveSeed } from '@diffflow/sde-core';
import { fourierMlp, type Parameter } from '@diffflow/networks';
import type { DiffFlowModel } from '@diffflow/losses';
import type { TrainerConfig } from '../train/trainer.js';
import type { TabularConfig } from './config.js';
import { trainerSettings } from '../train/config_fields.js';

/**
 * The tabular DiffFlow: two Fourier-time MLPs (drift f, score s) on [B, D] and a constant g.
 * Each MLP has an input layer, `layers` hidden layers and an output layer (≤ 5 layers, as the paper).
 */
export function tabularModel(config: Pick<TabularConfig, 'hidden' | 'layers' | 'activation' | 'g' | 'seed'>, dim: number): DiffFlowModel {
  const common = { dim, hidden: config.hidden, layers: config.layers, activation: config.activation, seed: config.seed } as const;
  return {
    drift: fourierMlp({ ...common, name: 'drift' }),
    score: fourierMlp({ ...common, name: 'score' }),
    diffusion: constantDiffusion(config.g),
  };
}

export function disposeModel(model: DiffFlowModel): void {
  model.drift.dispose();
  model.score.dispose();
}

/** The parameters under the stable names the trainer and checkpoints use ('drift/…', 'score/…'). */
export function namedParameters(model: DiffFlowModel): Parameter[] {
  return [
    ...model.drift.parameters.map((p) => ({ name: `drift/${p.name}`, variable: p.variable })),
    ...model.score.parameters.map((p) => ({ name: `score/${p.name}`, variable: p.variable })),
  ];
}

/** Seed of a named, non-training draw of the experiment (validation subset, bound noise, test subset). */
export function purposeSeed(seed: number, purpose: string): number {
  return deriveSeed({ seed, purpose, iteration: 0, step: 0 });
}

/** The trainer settings of a tabular configuration. */
export function trainerConfig(c: TabularConfig): TrainerConfig {
  return {
    ...trainerSettings(c),
    time: { tMin: c.tMin, tMax: c.T, beta: c.beta, steps: c.steps, flexible: c.flexible },
  };
}
