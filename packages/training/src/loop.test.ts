import { describe, expect, it, vi } from 'vitest';
import { trainUntil, type Steppable } from './loop.js';
import { DivergenceError } from './retry.js';

/** A stand-in trainer: iteration i reports i, diverging at `divergeAt`. */
function counter(divergeAt = Number.POSITIVE_INFINITY, failWith?: Error): Steppable<number> {
  let iteration = 0;
  return {
    get iteration() {
      return iteration;
    },
    step() {
      if (iteration === divergeAt) throw failWith ?? new DivergenceError(iteration, "loss term 'objective' (NaN)");
      return iteration++;
    },
  };
}

describe('trainUntil', () => {
  it('steps to iters, calls afterStep with each metric and the new iteration, saves every checkpointEvery and at the end', async () => {
    const seen: [number, number][] = [];
    const saves: number[] = [];
    const trainer = counter();
    const out = await trainUntil(trainer, { iters: 7, checkpointEvery: 3, afterStep: (m, it) => void seen.push([m, it]), save: () => void saves.push(trainer.iteration) });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => [i, i + 1]));
    expect(saves).toEqual([3, 6, 7]);
    expect(out.stoppedByTime).toBe(false);
  });

  it('stops at maxSeconds as if iters were reached, and saves', async () => {
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 400));
    const saves: number[] = [];
    const trainer = counter();
    const out = await trainUntil(trainer, { iters: 100, checkpointEvery: 1000, maxSeconds: 1, save: () => void saves.push(trainer.iteration) });
    now.mockRestore();
    expect(out.stoppedByTime).toBe(true);
    expect(trainer.iteration).toBeGreaterThan(0);
    expect(trainer.iteration).toBeLessThan(100);
    expect(saves).toEqual([trainer.iteration]);
  });

  it('on divergence: releases, saves the last good state, rethrows the DivergenceError (no exit)', async () => {
    const order: string[] = [];
    const trainer = counter(4);
    const exit = vi.spyOn(process, 'exit');
    await expect(
      trainUntil(trainer, { iters: 10, checkpointEvery: 100, save: () => void order.push(`save@${trainer.iteration}`), onDivergence: () => void order.push('release') }),
    ).rejects.toBeInstanceOf(DivergenceError);
    expect(order).toEqual(['release', 'save@4']);
    expect(exit).not.toHaveBeenCalled();
    exit.mockRestore();
  });

  it('any other error propagates with nothing saved; a trainer already at iters returns at once', async () => {
    const saves: number[] = [];
    const boom = new Error('boom');
    await expect(trainUntil(counter(2, boom), { iters: 5, checkpointEvery: 1, save: () => void saves.push(1) })).rejects.toBe(boom);
    expect(saves).toEqual([1, 1]); // after iterations 1 and 2 only, not on the error
    const done = counter();
    await trainUntil(done, { iters: 3, checkpointEvery: 1, save: () => undefined });
    const again = await trainUntil(done, { iters: 3, checkpointEvery: 1, save: () => void saves.push(2) });
    expect(again).toEqual({ trainSeconds: 0, stoppedByTime: false });
    expect(saves).toEqual([1, 1]);
  });

  it('rejects a checkpointEvery that is not an integer >= 1, naming it', async () => {
    await expect(trainUntil(counter(), { iters: 1, checkpointEvery: 0, save: () => undefined })).rejects.toThrow(/checkpointEvery/);
  });
});
