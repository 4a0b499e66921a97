import type { DiffusionModel } from '@diffflow/sde-core';
import type { Parameter } from '@diffflow/networks';

/**
 * A model's parameters under the stable names the trainer, its snapshots and checkpoints use:
 * 'drift/<name>' for the SDE's drift network's (none for a fixed drift), 'score/<name>' for the score network's (not tfjs's
 * per-process variable names, so a snapshot restores into freshly built networks).
 */
export function namedParameters(model: DiffusionModel): Parameter[] {
  return [
    ...model.sde.drift.parameters.map((p) => ({ name: `drift/${p.name}`, variable: p.variable })),
    ...model.score.parameters.map((p) => ({ name: `score/${p.name}`, variable: p.variable })),
  ];
}

/** Releases both fields of a model (the SDE's drift and the score). */
export function disposeModel(model: DiffusionModel): void {
  model.sde.drift.dispose();
  model.score.dispose();
}
