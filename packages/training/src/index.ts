/**
 * Adam with explicit state, StepLR, clipping, EMA, DiffFlow's trainer and the training loop.
 * @module @diffflow/training
 */
/**
 * @diffflow/training: how a DiffFlow model (or any model with named parameters) is trained —
 * Adam with explicit state, StepLR, global-norm clipping, the EMA of the weights, DiffFlow's
 * trainer (Algorithm 1, with an optional score warm-up), the DDPM baseline's trainer, and the
 * outer loop that steps, checkpoints and stops on divergence by throwing a typed error.
 * No file system, no process exit: what to do with a checkpoint or an error is the caller's.
 */
export { adam } from './adam.js';
export type { Adam, AdamOptions } from './adam.js';
export { clipByGlobalNorm } from './clip.js';
export { flatLayout } from './flat_layout.js';
export type { FlatLayout } from './flat_layout.js';
export { ema } from './ema.js';
export type { Ema } from './ema.js';
export { namedOptimizer } from './named_optimizer.js';
export type { NamedOptimizer, NamedOptimizerOptions, OptimizerConfig, TrainerState } from './named_optimizer.js';
export { DivergenceError, firstGoodAttempt } from './retry.js';
export type { Attempt } from './retry.js';
export { createTrainer } from './trainer.js';
export type { Trainer, TrainerConfig, TimeConfig, ScoreWarmup, TrainingPhase, StepMetrics } from './trainer.js';
export { createLossTrainer, lossAttempt, gradientsAttempt } from './loss_trainer.js';
export type { LossTrainer, LossTrainerConfig, LossStepMetrics } from './loss_trainer.js';
export { createDdpmTrainer } from './ddpm_trainer.js';
export type { DdpmTrainer, DdpmTrainerConfig, DdpmStepMetrics } from './ddpm_trainer.js';
export { trainUntil } from './loop.js';
export type { Steppable, LoopSchedule, LoopResult } from './loop.js';
export { namedParameters, disposeModel } from './diffflow_parameters.js';
/** Re-exported from @diffflow/sde-core, where it is defined (kept for importers outside this repository's packages, e.g. the playground). */
export { purposeSeed } from '@diffflow/sde-core';
