/**
 * A loss curve: (iteration, loss) pairs thinned to a bounded length. The worker keeps the curves of
 * a session and writes them into its checkpoints (meta.playground.history), so the loss history
 * survives a download/upload, a backend switch and a restart of the worker.
 */

/** A loss curve: iterations and losses, thinned to at most `HISTORY_LIMIT` points. */
export interface Curve {
  readonly iterations: readonly number[];
  readonly losses: readonly number[];
}

/** Both models' curves; DDPM's by DiffFlow iteration (DDPM trains for the same wall-clock time in each round). */
export interface LossHistory {
  readonly diffflow: Curve;
  readonly ddpm: Curve;
}

/** The most points a curve keeps (`appendPoint` thins it beyond). */
export const HISTORY_LIMIT = 1000;

/** A curve with no points. */
export const emptyCurve: Curve = { iterations: [], losses: [] };
/** The history of a new model. */
export const emptyHistory: LossHistory = { diffflow: emptyCurve, ddpm: emptyCurve };

/**
 * Appends (iteration, loss) to a curve; past `limit` points every other point is dropped (the
 * newest kept), so a long run keeps its whole shape at bounded cost.
 */
export function appendPoint(curve: Curve, iteration: number, loss: number, limit = HISTORY_LIMIT): Curve {
  let iterations = [...curve.iterations, iteration];
  let losses = [...curve.losses, loss];
  if (iterations.length > limit) {
    const keep = (_: number, i: number, all: readonly number[]): boolean => i % 2 === 0 || i === all.length - 1;
    iterations = iterations.filter(keep);
    losses = losses.filter(keep);
  }
  return { iterations, losses };
}

/**
 * A stored history (a checkpoint's meta.playground.history) checked: two curves of equal-length
 * number lists; anything else (a CLI checkpoint has none) is the empty history. Losses may be null
 * in JSON (a non-finite loss) and come back as NaN.
 */
export function decodeHistory(raw: unknown): LossHistory {
  const curve = (c: unknown): Curve | null => {
    if (typeof c !== 'object' || c === null) return null;
    const { iterations, losses } = c as { iterations?: unknown; losses?: unknown };
    if (!Array.isArray(iterations) || !Array.isArray(losses) || iterations.length !== losses.length) return null;
    if (!iterations.every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
    if (!losses.every((v) => v === null || typeof v === 'number')) return null;
    return { iterations: iterations as number[], losses: losses.map((v) => (v === null ? Number.NaN : (v as number))) };
  };
  if (typeof raw !== 'object' || raw === null) return emptyHistory;
  const { diffflow, ddpm } = raw as { diffflow?: unknown; ddpm?: unknown };
  return { diffflow: curve(diffflow) ?? emptyCurve, ddpm: curve(ddpm) ?? emptyCurve };
}
