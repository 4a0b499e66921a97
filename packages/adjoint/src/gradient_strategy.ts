import { adjointGradients } from './adjoint.js';
import { naiveGradients } from './naive.js';
import { gradientStrategyNames, type GradientStrategy, type GradientStrategyName } from './strategy.js';

/** The strategy a training loop uses unless its config says otherwise. */
export const defaultGradientStrategy: GradientStrategyName = 'adjoint';

const strategies: Record<GradientStrategyName, GradientStrategy> = {
  adjoint: adjointGradients,
  naive: naiveGradients,
};

/**
 * The gradient strategy of a name, for a training loop that chooses by config. Both return the same
 * loss terms and gradients (up to float32 rounding); `adjoint` needs memory constant in N apart from
 * the cached states, `naive` keeps every step's activations on the tape.
 * @example
 * const { loss, grads } = gradientStrategy(config.gradients ?? 'adjoint')(model, x0, grid, noise);
 * optimizer.applyGradients(grads);
 */
export function gradientStrategy(name: GradientStrategyName): GradientStrategy {
  if (!(gradientStrategyNames as readonly string[]).includes(name)) {
    throw new RangeError(`gradientStrategy: name must be one of ${gradientStrategyNames.join(', ')}, got '${String(name)}'`);
  }
  return strategies[name];
}
