import { describe, expect, it } from 'vitest';
import { fourierMlp } from '@diffflow/networks';
import { ddpmEpsilonNetwork2d, ddpmEpsilonNetworkOptions, fourierMlpParameterCount } from './ddpm_parameter_count.js';

describe('fourierMlpParameterCount', () => {
  it('counts what fourierMlp builds', () => {
    for (const o of [{ dim: 2 }, { dim: 2, layers: 2 }, { dim: 3, hidden: 17, layers: 0 }, { dim: 5, hidden: 40, layers: 4 }, ddpmEpsilonNetwork2d]) {
      const f = fourierMlp(o);
      expect(fourierMlpParameterCount(o), JSON.stringify(o)).toBe(f.parameterCount);
      f.dispose();
    }
    expect(fourierMlpParameterCount({ dim: 2 })).toBe(99_714);
    expect(() => fourierMlpParameterCount({ dim: 2, hidden: 0 })).toThrow(/hidden must be an integer ≥ 1/);
  });
});

describe('ddpmEpsilonNetworkOptions', () => {
  it('sizes the 2-D ε-network like the reference DiffFlow pair: width 181, 198,559 vs 199,428', () => {
    expect(ddpmEpsilonNetwork2d).toMatchObject({ dim: 2, hidden: 181, layers: 3 });
    expect(fourierMlpParameterCount(ddpmEpsilonNetwork2d)).toBe(198_559);
    const pair = 2 * fourierMlpParameterCount({ dim: 2 });
    expect(pair).toBe(199_428);
    // no other width is closer to the pair
    for (const hidden of [180, 182]) {
      expect(Math.abs(fourierMlpParameterCount({ dim: 2, hidden, layers: 3 }) - pair)).toBeGreaterThan(Math.abs(198_559 - pair));
    }
  });

  it('keeps dim, layers and activation of the DiffFlow network and matches the pair within one width step', () => {
    const diffFlow = { dim: 3, hidden: 64, layers: 2, activation: 'silu' as const, seed: 4 };
    const eps = ddpmEpsilonNetworkOptions(diffFlow);
    expect(eps).toMatchObject({ dim: 3, layers: 2, activation: 'silu', seed: 4, name: 'epsilon' });
    const target = 2 * fourierMlpParameterCount(diffFlow);
    const h = eps.hidden as number;
    const count = (w: number): number => fourierMlpParameterCount({ dim: 3, hidden: w, layers: 2 });
    expect(count(h - 1)).toBeLessThan(target);
    expect(count(h + 1)).toBeGreaterThan(target);
    expect(Math.abs(count(h) - target)).toBeLessThanOrEqual(Math.min(Math.abs(count(h - 1) - target), Math.abs(count(h + 1) - target)));
  });
});
