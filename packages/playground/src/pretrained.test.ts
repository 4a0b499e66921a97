import { describe, expect, it } from 'vitest';
import { pretrainedFor, sameShape, type PretrainedEntry, type PretrainedManifest } from './pretrained.js';
import { playgroundDefaults } from './settings.js';

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

});
