export type { GradientResult, GradientStrategy, GradientStrategyName } from './strategy.js';
export { gradientStrategyNames, disposeGradientResult } from './strategy.js';
export { naiveGradients } from './naive.js';
