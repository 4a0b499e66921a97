import { describe, expect, it } from 'vitest';
import { defaultSamplerName, SamplerSettingError, samplerNames, samplerRegistry, UnknownSamplerError } from '@diffflow/likelihood';
import { defaultPageSampler, samplerFromQuery, samplerOptions, samplerSpecOf } from './sampler_menu.js';

describe('the sampler menu', () => {
  it('lists every registry sampler in registry order, with its description and whether it has λ', () => {
    expect(samplerOptions.map((o) => o.name)).toEqual([...samplerNames]);
    for (const o of samplerOptions) {
      const s = samplerRegistry[o.name];
      expect(o.description).toBe(s?.description);
      expect(o.hasLambda).toBe(s?.settings['lambda'] !== undefined);
    }
    // the λ-family has λ; the ODE samplers do not
    expect(samplerOptions.find((o) => o.name === 'euler-maruyama')?.hasLambda).toBe(true);
    expect(samplerOptions.find((o) => o.name === 'heun')?.hasLambda).toBe(false);
    expect(samplerOptions.find((o) => o.name === 'dpm-solver')?.hasLambda).toBe(false);
  });

  it('starts on the registry default', () => {
    expect(defaultPageSampler).toBe(defaultSamplerName);
    expect(samplerFromQuery(null)).toEqual({ name: defaultSamplerName, problem: null });
    expect(samplerFromQuery('')).toEqual({ name: defaultSamplerName, problem: null });
  });

  it('takes a registry name from the address and refuses others, naming the allowed values', () => {
    expect(samplerFromQuery('heun')).toEqual({ name: 'heun', problem: null });
    const bad = samplerFromQuery('euler');
    expect(bad.name).toBe(defaultSamplerName);
    expect(bad.problem).toContain("got 'euler'");
    for (const n of samplerNames) expect(bad.problem).toContain(n);
  });

  it('builds a plain spec: λ only for samplers with a lambda setting', () => {
    expect(samplerSpecOf('euler-maruyama', 0.3)).toEqual({ name: 'euler-maruyama', settings: { lambda: 0.3 } });
    expect(samplerSpecOf('heun', 0.3)).toEqual({ name: 'heun' });
    expect(samplerSpecOf('dpm-solver', 1)).toEqual({ name: 'dpm-solver' });
    const spec = samplerSpecOf('euler-maruyama', 1);
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec); // survives structured cloning as plain data
  });

  it('refuses an unknown name and a λ out of range', () => {
    expect(() => samplerSpecOf('euler', 1)).toThrow(UnknownSamplerError);
    expect(() => samplerSpecOf('euler-maruyama', -0.5)).toThrow(SamplerSettingError);
  });
});
