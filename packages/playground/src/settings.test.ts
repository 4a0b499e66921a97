import { describe, expect, it } from 'vitest';
import { checkSettings, drawnShapeDefaults, playgroundDefaults, withKindDefaults } from './settings.js';

describe('checkSettings', () => {
  it('accepts the defaults and every library toy', () => {
    expect(checkSettings(playgroundDefaults)).toBeNull();
    expect(checkSettings({ ...playgroundDefaults, dataset: 'olympic' })).toBeNull();
  });

  it('names the first bad field and its range', () => {
    expect(checkSettings({ ...playgroundDefaults, dataset: 'nope' as never })).toMatch(/^dataset must be 'drawn' or one of checkerboard/);
    expect(checkSettings({ ...playgroundDefaults, steps: 0 })).toMatch(/^N \(steps\) .*got 0/);
    expect(checkSettings({ ...playgroundDefaults, steps: 2.5 })).toMatch(/^N \(steps\)/);
    expect(checkSettings({ ...playgroundDefaults, g: 0 })).toMatch(/^g must be in \(0, 10\]/);
    expect(checkSettings({ ...playgroundDefaults, T: 0.001 })).toMatch(/^T must be in \(0\.001, 10\]/);
    expect(checkSettings({ ...playgroundDefaults, hidden: Number.NaN })).toMatch(/^width/);
    expect(checkSettings({ ...playgroundDefaults, batch: 4 })).toMatch(/^batch/);
    expect(checkSettings({ ...playgroundDefaults, seed: -1 })).toMatch(/^seed/);
    expect(checkSettings({ ...playgroundDefaults, lr: 0 })).toMatch(/^learning rate must be in \(0, 1\], got 0/);
  });
});

describe('withKindDefaults', () => {
  it('a new drawing takes the drawn-shape defaults for fields still at the page defaults; a toy or the heart takes them back', () => {
    const drawn = withKindDefaults(playgroundDefaults, true);
    expect(drawn).toEqual({ ...playgroundDefaults, ...drawnShapeDefaults });
    expect(checkSettings(drawn)).toBeNull();
    expect(withKindDefaults({ ...drawn, dataset: 'moons' }, false)).toEqual({ ...playgroundDefaults, dataset: 'moons' });
    // idempotent either way
    expect(withKindDefaults(drawn, true)).toEqual(drawn);
    expect(withKindDefaults(playgroundDefaults, false)).toEqual(playgroundDefaults);
  });

  it('keeps a value the user set', () => {
    expect(withKindDefaults({ ...playgroundDefaults, g: 0.3 }, true)).toEqual({ ...playgroundDefaults, g: 0.3, lr: drawnShapeDefaults.lr });
    expect(withKindDefaults({ ...playgroundDefaults, ...drawnShapeDefaults, lr: 0.002 }, false)).toEqual({ ...playgroundDefaults, lr: 0.002 });
  });
});
