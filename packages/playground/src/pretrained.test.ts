import { describe, expect, it } from 'vitest';
import { toyNames } from '@diffflow/datasets/toy2d';
import { pretrainedFor, pretrainedKeys, sameShape, type PretrainedEntry, type PretrainedManifest } from './pretrained.js';
import { playgroundDefaults } from './settings.js';
import manifestJson from '../public/pretrained/manifest.json';

const entry = (dataset: PretrainedEntry['settings']['dataset'], file: string): PretrainedEntry => ({
  file,
  settings: { ...playgroundDefaults, dataset },
  iteration: 600,
  bytes: 1,
  heldOutNegativeElbo: null,
  insideSupport: null,
  trainedSeconds: 1,
});
const manifest: PretrainedManifest = { moons: entry('moons', 'moons.bin'), heart: entry('drawn', 'heart.bin') };

describe('sameShape', () => {
  it('compares the settings that define a model and ignores the live ones', () => {
    expect(sameShape(playgroundDefaults, { ...playgroundDefaults, ddpm: true, steps: 3, batch: 64, lr: 0.5 })).toBe(true);
    for (const change of [{ hidden: 32 }, { g: 0.3 }, { T: 0.1 }, { seed: 1 }, { dataset: 'moons' as const }]) expect(sameShape(playgroundDefaults, { ...playgroundDefaults, ...change })).toBe(false);
  });
});

describe('pretrainedFor', () => {
  it('finds a toy of the same shape, the heart only while the drawing is the starter, and nothing for another shape', () => {
    expect(pretrainedFor(manifest, { ...playgroundDefaults, dataset: 'moons', batch: 64 }, false)?.file).toBe('moons.bin');
    expect(pretrainedFor(manifest, { ...playgroundDefaults, dataset: 'drawn' }, true)?.file).toBe('heart.bin');
    expect(pretrainedFor(manifest, { ...playgroundDefaults, dataset: 'drawn' }, false)).toBeNull();
    expect(pretrainedFor(manifest, { ...playgroundDefaults, dataset: 'moons', hidden: 32 }, false)).toBeNull();
    expect(pretrainedFor(manifest, { ...playgroundDefaults, dataset: 'olympic' }, false)).toBeNull();
  });

  it('the committed manifest has every toy and the heart, at the defaults\' model shape (regenerate: npx nx run playground:pretrain)', () => {
    const committed = manifestJson as PretrainedManifest;
    expect(Object.keys(committed).sort()).toEqual([...pretrainedKeys].sort());
    for (const name of toyNames) expect(pretrainedFor(committed, { ...playgroundDefaults, dataset: name }, false)?.file).toBe(`${name}.bin`);
    expect(pretrainedFor(committed, playgroundDefaults, true)?.file).toBe('heart.bin');
  });
});
