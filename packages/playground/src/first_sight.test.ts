import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/es6/Either.js';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { decodeFirstSight, encodeFirstSight, firstSightFile, sameSampler, FIRST_SIGHT_DECIMALS, type FirstSight } from './first_sight.js';
import { defaultSamplerSettings } from './sampler_menu.js';
import { disposeSession, firstSightOf, HEATMAP_RES, sessionFromCheckpoint } from './worker/model.js';
import { pretrainedKeys, type PretrainedManifest } from './pretrained.js';
import manifestJson from '../public/pretrained/manifest.json';

const manifest = manifestJson as PretrainedManifest;
const dir = new URL('../public/pretrained/', import.meta.url);

const sight: FirstSight = {
  iteration: 7,
  sampler: defaultSamplerSettings(10, 3),
  bounds: [-4, 4, -3, 5],
  samples: Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 3.123456),
  data: Float32Array.from([0.5, -0.25, 1, 2]),
  density: { res: 2, logDensity: Float32Array.from([-1.5, Number.NEGATIVE_INFINITY, -2.25, -3]) },
};
const decoded = (text: string): FirstSight => {
  const r = decodeFirstSight(JSON.parse(text), 'x.sight.json');
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('encodeFirstSight / decodeFirstSight', () => {
  it('round-trips to the stored decimals, a non-finite log-density as NaN', () => {
    const back = decoded(encodeFirstSight(sight));
    expect(back.iteration).toBe(7);
    expect(sameSampler(back.sampler, sight.sampler)).toBe(true);
    expect(back.bounds).toEqual([-4, 4, -3, 5]);
    expect(back.samples.length).toBe(2000);
    expect(maxAbsDiff(back.samples, sight.samples)).toBeLessThanOrEqual(0.5 * 10 ** -FIRST_SIGHT_DECIMALS + 1e-6);
    expect(Array.from(back.data)).toEqual([0.5, -0.25, 1, 2]);
    expect(Array.from(back.density.logDensity)).toEqual([-1.5, Number.NaN, -2.25, -3]);
  });

  it('refuses a bad file, naming the field and what is allowed', () => {
    const good = JSON.parse(encodeFirstSight(sight)) as Record<string, unknown>;
    const refusal = (json: unknown): string => {
      const r = decodeFirstSight(json, 'x.sight.json');
      return E.isLeft(r) ? r.left : 'accepted';
    };
    expect(refusal([1, 2])).toBe("x.sight.json: '(the file)' must be a JSON object");
    expect(refusal({ ...good, iteration: -1 })).toMatch(/'iteration' must be an integer ≥ 0/);
    expect(refusal({ ...good, sampler: { spec: { name: 'heun' }, steps: 0, n: 1000, seed: 0 } })).toMatch(/'sampler' must be .*steps ≥ 1/);
    expect(refusal({ ...good, bounds: [1, 0, 0, 1] })).toMatch(/'bounds' must be \[x0, x1, y0, y1\] with x0 < x1/);
    expect(refusal({ ...good, samples: [1, 2, 3] })).toMatch(/'samples' must be 2 × sampler.n = 2000 finite numbers/);
    expect(refusal({ ...good, samples: Array.from({ length: 2000 }, () => null) })).toMatch(/'samples'/);
    expect(refusal({ ...good, data: [1] })).toMatch(/'data' must be a non-empty list of x, y pairs/);
    expect(refusal({ ...good, density: { res: 3, logDensity: [1, 2, 3, 4] } })).toMatch(/'density.logDensity' must be res² = 9 numbers/);
    expect(refusal(good)).toBe('accepted');
  });

  it('sameSampler: the stored samples are shown only under the sampler, steps, n and seed they were drawn with', () => {
    const a = defaultSamplerSettings(10, 0);
    expect(sameSampler(a, defaultSamplerSettings(10, 0))).toBe(true);
    expect(sameSampler(a, defaultSamplerSettings(20, 0))).toBe(false);
    expect(sameSampler(a, defaultSamplerSettings(10, 1))).toBe(false);
    expect(sameSampler(a, { ...a, spec: { name: 'heun' } })).toBe(false);
    expect(sameSampler(a, { ...a, spec: { name: a.spec.name, settings: { lambda: 1 } } })).toBe(false);
  });

  it('firstSightFile names the file beside the checkpoint', () => {
    expect(firstSightFile('heart.bin')).toBe('heart.sight.json');
  });
});

describe('the committed first-sight files (regenerate: npx nx run playground:pretrain --sights)', () => {
  it('every pretrained model has one that decodes, at its checkpoint\'s iteration and the page\'s first sampler', () => {
    for (const key of pretrainedKeys) {
      const entry = manifest[key];
      if (entry === undefined) throw new Error(`manifest lacks ${key}`);
      const s = decoded(readFileSync(new URL(firstSightFile(entry.file), dir), 'utf8'));
      expect(s.iteration).toBe(entry.iteration);
      expect(sameSampler(s.sampler, defaultSamplerSettings(entry.settings.steps, entry.settings.seed))).toBe(true);
      expect(s.density.res).toBe(HEATMAP_RES.start);
    }
  });

  // float32 on another backend than the file's (wasm) and 4 decimals: samples within 10⁻³ data units,
  // log-densities within 10⁻² nats (the colour scale spans 8)
  it.each(['heart', 'moons'] as const)('%s: the file is what the worker first draws of its checkpoint (firstSightOf), and nothing leaks', (key) => {
    const entry = manifest[key];
    if (entry === undefined) throw new Error(`manifest lacks ${key}`);
    const stored = decoded(readFileSync(new URL(firstSightFile(entry.file), dir), 'utf8'));
    const before = tf.memory().numTensors;
    const session = sessionFromCheckpoint(new Uint8Array(readFileSync(new URL(entry.file, dir))), entry.file);
    if (E.isLeft(session)) throw new Error(session.left);
    const live = firstSightOf(session.right, stored.sampler, stored.density.res);
    disposeSession(session.right);
    expect(tf.memory().numTensors).toBe(before);
    expect(live.bounds).toEqual(stored.bounds);
    expect(maxAbsDiff(live.samples, stored.samples)).toBeLessThan(1e-3);
    expect(maxAbsDiff(live.data, stored.data)).toBeLessThan(1e-3);
    const finite = (a: Float32Array): boolean[] => Array.from(a, Number.isFinite);
    expect(finite(stored.density.logDensity)).toEqual(finite(live.density.logDensity));
    const diffs = Array.from(live.density.logDensity, (v, i) => (Number.isFinite(v) ? Math.abs(v - (stored.density.logDensity[i] as number)) : 0));
    expect(Math.max(...diffs)).toBeLessThan(1e-2);
  });
});
