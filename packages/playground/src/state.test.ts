import { describe, expect, it } from 'vitest';
import { initialState, reduce, type PageState } from './state.js';
import { emptyHistory } from './curve.js';
import { playgroundDefaults } from './settings.js';

const progress = (iteration: number, loss: number, ddpm: number | null = null) =>
  ({
    type: 'progress',
    diffflow: { iteration, loss, itPerSec: 5 },
    ddpm: ddpm === null ? null : { iteration: 3 * iteration, loss: ddpm, itPerSec: 15 },
    tensors: 42,
  }) as const;

describe('reduce', () => {
  it('records progress of both models and the tensor count', () => {
    let s: PageState = initialState;
    s = reduce(s, progress(1, 3.5, 0.9));
    s = reduce(s, progress(2, 3.1, 0.8));
    expect(s.iteration).toBe(2);
    expect(s.loss).toBe(3.1);
    expect(s.ddpmIteration).toBe(6);
    expect(s.tensors).toBe(42);
    expect(s.diffflowCurve).toEqual({ iterations: [1, 2], losses: [3.5, 3.1] });
    expect(s.ddpmCurve).toEqual({ iterations: [1, 2], losses: [0.9, 0.8] });
  });

  it('keeps the DDPM curve when a round had no DDPM', () => {
    const s = reduce(reduce(initialState, progress(1, 2, 0.5)), progress(2, 1.5));
    expect(s.ddpmCurve.iterations).toEqual([1]);
    expect(s.ddpmItPerSec).toBe(0);
  });

  it('starts afresh on a new session and clears the error', () => {
    let s = reduce(initialState, progress(1, 2, 0.5));
    s = reduce(s, { type: 'error', context: 'checkpoint', message: 'bad.bin: not a DiffFlow checkpoint' });
    expect(s.error).toBe('checkpoint: bad.bin: not a DiffFlow checkpoint');
    s = reduce(s, { type: 'session', settings: playgroundDefaults, points: null, iteration: 250, ddpmIteration: 0, parameters: 100, history: emptyHistory });
    expect(s.error).toBeNull();
    expect(s.iteration).toBe(250);
    expect(s.sessions).toBe(1);
    expect(s.diffflowCurve.iterations).toEqual([]);
    expect(s.settings).toEqual(playgroundDefaults);
  });

  it("takes a restored session's loss history (a checkpoint round trip keeps the curves)", () => {
    const history = { diffflow: { iterations: [1, 2], losses: [3, 2.5] }, ddpm: { iterations: [2], losses: [0.7] } };
    const s = reduce(reduce(initialState, progress(9, 1)), { type: 'session', settings: playgroundDefaults, points: null, iteration: 2, ddpmIteration: 5, parameters: 100, history });
    expect(s.diffflowCurve).toEqual(history.diffflow);
    expect(s.ddpmCurve).toEqual(history.ddpm);
    expect(s.loss).toBe(2.5);
    expect(s.iteration).toBe(2);
  });

  it('new settings for the same model keep the iteration and the curves', () => {
    const before = reduce(reduce(initialState, progress(1, 3)), progress(2, 2.5));
    const after = reduce(before, { type: 'settings', settings: { ...playgroundDefaults, ddpm: true }, iteration: 2, ddpmIteration: 0 });
    expect(after.iteration).toBe(2);
    expect(after.settings?.ddpm).toBe(true);
    expect(after.diffflowCurve).toEqual(before.diffflowCurve);
  });

  it("keeps the known list of backends while a fresh worker reports only its own", () => {
    const all = ['webgl', 'wasm', 'cpu'] as const;
    let s = reduce(initialState, { type: 'backend', name: 'wasm', detail: 'SIMD', reason: 'measured', available: [...all] });
    s = reduce(s, { type: 'backend', name: 'cpu', detail: 'plain JavaScript', reason: 'chosen in the menu', available: ['cpu'] });
    expect(s.backend).toEqual({ name: 'cpu', detail: 'plain JavaScript', reason: 'chosen in the menu', available: [...all] });
  });

  it('an error changes nothing but the error', () => {
    const before = reduce(reduce(initialState, { type: 'status', running: true }), progress(4, 1));
    const after = reduce(before, { type: 'error', context: 'checkpoint', message: 'x' });
    expect({ ...after, error: null }).toEqual(before);
    expect(reduce(after, { type: 'dismissError' }).error).toBeNull();
  });
});
