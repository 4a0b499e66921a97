/**
 * When the training worker refreshes what it sends besides progress: the plots ("visuals": samples,
 * trajectories, the drift field), the log-density map and the in-memory checkpoint ("snapshot").
 * Each runs at most every `REFRESH_FLOOR_MS` and at most every `COST_FACTOR`× its own last cost, so
 * slow backends keep training. A new model's first `NEW_MODEL_MAP_WAIT_MS` of training run without
 * the density map (its cost goes to training; the samples still refresh every `REFRESH_FLOOR_MS.visuals`);
 * the map is due at once when the wait is over. Pure bookkeeping: the worker passes the clock.
 */

/** What the worker refreshes between training rounds. */
export type Refresh = 'visuals' | 'heatmap' | 'snapshot';

/** Least time between two refreshes of a kind (ms). */
export const REFRESH_FLOOR_MS: Readonly<Record<Refresh, number>> = { visuals: 1500, heatmap: 4000, snapshot: 1000 };

/** A refresh also waits `COST_FACTOR`× its last cost, so it takes at most 1 / factor of the worker's time. */
export const COST_FACTOR: Readonly<Record<Refresh, number>> = { visuals: 4, heatmap: 4, snapshot: 10 };

/**
 * Training time (ms, the rounds' wall time) a new model runs before its first density map: about
 * the seconds a drawn shape takes to learn on wasm, so the map's cost (≈ 0.4 s every 4 s) does not
 * delay it (docs/results/playground.md).
 */
export const NEW_MODEL_MAP_WAIT_MS = 10_000;

/** The refresh bookkeeping of one worker; see the module comment. */
export class RefreshSchedule {
  private readonly last: Record<Refresh, number> = { visuals: 0, heatmap: 0, snapshot: 0 };
  private readonly cost: Record<Refresh, number> = { visuals: 0, heatmap: 0, snapshot: 0 };
  private mapWaitMs = 0;

  /** Records a refresh of `kind` that ran from `started` to `ended` (ms, one clock). */
  ran(kind: Refresh, started: number, ended: number): void {
    this.last[kind] = ended;
    this.cost[kind] = ended - started;
  }

  /** How overdue `kind` is at `now`: ≥ 1 when due; 0 for the map while a new model's wait runs. */
  overdue(kind: Refresh, now: number): number {
    if (kind === 'heatmap' && this.mapWaitMs > 0) return 0;
    return (now - this.last[kind]) / Math.max(REFRESH_FLOOR_MS[kind], COST_FACTOR[kind] * this.cost[kind]);
  }

  /** The plot of a training round, if one is due: the more overdue of visuals and the map (at most one per round, so neither starves the other). */
  plotDue(now: number): 'visuals' | 'heatmap' | null {
    const v = this.overdue('visuals', now);
    const h = this.overdue('heatmap', now);
    if (Math.max(v, h) < 1) return null;
    return h > v ? 'heatmap' : 'visuals';
  }

  /** Makes the map due at once (a model restored or paused: it is drawn next), ending a new model's wait. */
  mapNow(): void {
    this.mapWaitMs = 0;
    this.last.heatmap = -Infinity;
  }

  /** A new model: its map waits until it has trained `waitMs` (ms). */
  newModel(waitMs: number = NEW_MODEL_MAP_WAIT_MS): void {
    if (!(waitMs >= 0)) throw new RangeError(`newModel: waitMs must be ≥ 0, got ${waitMs}`);
    this.mapWaitMs = waitMs;
    if (waitMs === 0) this.mapNow();
  }

  /** A training round took `ms`; the map is due at once when that ends a new model's wait. */
  trained(ms: number): void {
    if (this.mapWaitMs <= 0) return;
    this.mapWaitMs -= ms;
    if (this.mapWaitMs <= 0) this.mapNow();
  }

  /** Whether a new model's map is still waiting for training. */
  get mapWaiting(): boolean {
    return this.mapWaitMs > 0;
  }
}
