import type { FourierMlpOptions } from '@diffflow/networks';

/**
 * Sizing the DDPM ε-network against DiffFlow. The paper compares 2-D models of "around 90k"
 * parameters; a DiffFlow model has two networks (drift and score) and a DDPM one (ε), so a fair
 * comparison gives the ε-network the parameters of the whole DiffFlow pair by widening it.
 */

/**
 * Parameters of `fourierMlp({ dim, hidden: h, layers: L })`, counted from its layers:
 * phase h, input D·h + h, time.0 2h·h + h, time.1 h·h + h, L hidden h·h + h, output h·D + D,
 * i.e. (3 + L) h² + (4 + L + 2D) h + D. D = 2, h = 128, L = 3: 99,714.
 */
export function fourierMlpParameterCount(options: Pick<FourierMlpOptions, 'dim' | 'hidden' | 'layers'>): number {
  const { dim, hidden = 128, layers = 3 } = options;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`fourierMlpParameterCount: dim must be an integer ≥ 1, got ${dim}`);
  if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`fourierMlpParameterCount: hidden must be an integer ≥ 1, got ${hidden}`);
  if (!Number.isInteger(layers) || layers < 0) throw new RangeError(`fourierMlpParameterCount: layers must be an integer ≥ 0, got ${layers}`);
  return (3 + layers) * hidden * hidden + (4 + layers + 2 * dim) * hidden + dim;
}

/**
 * The fourierMlp options of a DDPM ε-network as large as a DiffFlow drift + score pair of
 * `diffFlowNetwork` (each of the two built with those options): same dim, layers and activation,
 * the hidden width whose parameter count is nearest to twice the DiffFlow network's (ties go to the
 * narrower width).
 * @example ddpmEpsilonNetworkOptions({ dim: 2 }) // { dim: 2, hidden: 181, layers: 3, name: 'epsilon' }: 198,559 vs 2 × 99,714 = 199,428
 */
export function ddpmEpsilonNetworkOptions(diffFlowNetwork: FourierMlpOptions): FourierMlpOptions {
  const layers = diffFlowNetwork.layers ?? 3;
  const target = 2 * fourierMlpParameterCount(diffFlowNetwork);
  const count = (hidden: number): number => fourierMlpParameterCount({ dim: diffFlowNetwork.dim, hidden, layers });
  // count(h) increases with h: widen until it passes the target, then take the nearer neighbour.
  let hidden = 1;
  while (count(hidden + 1) <= target) hidden++;
  if (Math.abs(count(hidden + 1) - target) < Math.abs(count(hidden) - target)) hidden++;
  return { ...diffFlowNetwork, hidden, layers, name: 'epsilon' };
}

/**
 * The 2-D DDPM ε-network sized against the reference DiffFlow pair (two fourierMlp of 3 × 128,
 * 99,714 parameters each, 199,428 together): 3 hidden layers of width 181, 198,559 parameters.
 */
export const ddpmEpsilonNetwork2d: FourierMlpOptions = Object.freeze(ddpmEpsilonNetworkOptions({ dim: 2 }));
