import { describe, expect, it } from 'vitest';
import { COST_FACTOR, NEW_MODEL_MAP_WAIT_MS, REFRESH_FLOOR_MS, RefreshSchedule } from './refresh_schedule.js';

/** Drives a schedule as the worker's loop does: rounds of `roundMs` training, the due plot (costing `plotMs`) and snapshot; returns when each plot ran. */
function simulate(schedule: RefreshSchedule, seconds: number, roundMs: number, plotMs: { visuals: number; heatmap: number }): { visuals: number[]; heatmap: number[] } {
  const out = { visuals: [] as number[], heatmap: [] as number[] };
  let now = 0;
  while (now < seconds * 1000) {
    const started = now;
    now += roundMs;
    const plot = schedule.plotDue(now);
    if (plot !== null) {
      out[plot].push(now);
      schedule.ran(plot, now, now + plotMs[plot]);
      now += plotMs[plot];
    }
    if (schedule.overdue('snapshot', now) >= 1) schedule.ran('snapshot', now, now);
    schedule.trained(now - started);
  }
  return out;
}

describe('RefreshSchedule', () => {
  it('a restored model: samples every 1.5 s and the map every 4 s, each at most 1/COST_FACTOR of the time', () => {
    const s = new RefreshSchedule();
    s.mapNow();
    const { visuals, heatmap } = simulate(s, 20, 100, { visuals: 150, heatmap: 400 });
    expect(heatmap[0]).toBe(100); // due at once
    const gaps = (xs: number[]): number[] => xs.slice(1).map((x, k) => x - (xs[k] as number));
    // (a plot due while the other runs waits for it: a gap is at most floor + own cost + the map + a round)
    for (const g of gaps(visuals)) expect(g).toBeLessThanOrEqual(REFRESH_FLOOR_MS.visuals + 150 + 400 + 100);
    for (const g of gaps(heatmap)) expect(g).toBeGreaterThanOrEqual(REFRESH_FLOOR_MS.heatmap);
    expect(heatmap.length).toBeGreaterThanOrEqual(4);
  });

  it('a new model trains its first NEW_MODEL_MAP_WAIT_MS without the map, samples still every ≈ 1.5 s; the map comes as soon as the wait is over', () => {
    const s = new RefreshSchedule();
    s.newModel();
    expect(s.mapWaiting).toBe(true);
    expect(s.overdue('heatmap', 1e9)).toBe(0);
    const { visuals, heatmap } = simulate(s, 20, 100, { visuals: 150, heatmap: 400 });
    expect(heatmap[0]).toBeGreaterThanOrEqual(NEW_MODEL_MAP_WAIT_MS);
    expect(heatmap[0]).toBeLessThanOrEqual(NEW_MODEL_MAP_WAIT_MS + 100 + 150 + 100);
    expect(s.mapWaiting).toBe(false);
    const early = visuals.filter((t) => t < NEW_MODEL_MAP_WAIT_MS);
    expect(early.length).toBeGreaterThanOrEqual(Math.floor(NEW_MODEL_MAP_WAIT_MS / (REFRESH_FLOOR_MS.visuals + 250)));
    for (let k = 1; k < early.length; k++) expect((early[k] as number) - (early[k - 1] as number)).toBeLessThanOrEqual(REFRESH_FLOOR_MS.visuals + 150 + 100);
  });

  it('a refresh that costs more than floor / factor comes at most every factor × its cost', () => {
    const s = new RefreshSchedule();
    s.ran('visuals', 0, 1000);
    s.ran('heatmap', 4999, 4999);
    expect(s.overdue('visuals', 1000 + COST_FACTOR.visuals * 1000 - 1)).toBeLessThan(1);
    expect(s.overdue('visuals', 1000 + COST_FACTOR.visuals * 1000)).toBe(1);
    expect(s.plotDue(1000 + COST_FACTOR.visuals * 1000)).toBe('visuals');
  });

  it('mapNow ends a new model’s wait (a pause draws the map); newModel(0) waits for nothing', () => {
    const s = new RefreshSchedule();
    s.newModel();
    s.mapNow();
    expect(s.mapWaiting).toBe(false);
    expect(s.plotDue(0)).toBe('heatmap');
    const t = new RefreshSchedule();
    t.newModel(0);
    expect(t.overdue('heatmap', 0)).toBe(Infinity);
  });

  it('rejects a negative or NaN wait by name', () => {
    expect(() => new RefreshSchedule().newModel(-1)).toThrow(/waitMs must be ≥ 0, got -1/);
    expect(() => new RefreshSchedule().newModel(Number.NaN)).toThrow(RangeError);
  });
});
