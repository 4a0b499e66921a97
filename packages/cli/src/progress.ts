/**
 * Training progress on stderr: a live bar (cli-progress) on a terminal; plain lines every ~5%
 * or every 10 s elsewhere (CI, pipes, Nx), so logs stay readable.
 */
import cliProgress from 'cli-progress';

/** Where progress is written: process.stderr, or any object with `write` (tests). */
export interface ProgressStream {
  /** Writes text (a terminal line, or a log). */
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of a progress bar. */
export interface ProgressOptions {
  /** Final iteration (the bar is full at `total`). */
  total: number;
  /** Shown at the start of every line, e.g. 'toy2d checkerboard'. */
  label: string;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Force the live bar (true) or plain lines (false); default: live only on a terminal, not under CI or TERM=dumb. */
  tty?: boolean;
  /** Plain mode: print when another `percentStep`% is done (default 5) … */
  percentStep?: number;
  /** … or when this many ms passed since the last line (default 10 000). */
  intervalMs?: number;
  /** Clock in ms (default performance.now), injectable for tests. */
  now?: () => number;
}

/** The fields a progress bar shows beside the count. */
export interface ProgressFields {
  loss: number;
  /** Iterations a second of the last step; default measured from the calls to `update`. */
  itPerSec?: number;
}

/** A progress bar of a training or evaluation loop. */
export interface ProgressBar {
  /** Reports that `iteration` iterations (of `total`) are done. */
  update(iteration: number, fields: ProgressFields): void;
  /**
   * The iterations from here on cost differently (a new training phase): the rate and the ETA are
   * measured afresh from the next `update`.
   */
  restartRate(): void;
  /** Ends the bar (prints the last state in plain mode); further updates are ignored. Call it in `finally`. */
  stop(): void;
}

/** A loss for humans: 5 significant digits, exponent notation when very large or small. */
export function formatLoss(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

/** 12s, 3m05s, 1h02m; '?' when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatRate(rate: number | undefined): string {
  if (rate === undefined || !Number.isFinite(rate)) return '?';
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

function isLiveTerminal(stream: ProgressStream): boolean {
  const env = process.env;
  return stream.isTTY === true && env['CI'] === undefined && env['TERM'] !== 'dumb';
}

/**
 * A progress display for a training loop. Shows iteration/total, loss, it/s and ETA. The ETA
 * uses the average rate since the first `update` (so it includes checkpoints and logging) or since
 * the last `restartRate`, and a resumed run's progress counts from the iteration it resumed at.
 */
export function progressBar(options: ProgressOptions): ProgressBar {
  const { total, label } = options;
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`progressBar: total must be an integer >= 1, got ${total}`);
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const percentStep = options.percentStep ?? 5;
  const intervalMs = options.intervalMs ?? 10_000;
  if (!(percentStep > 0 && percentStep <= 100)) throw new RangeError(`progressBar: percentStep must be in (0, 100], got ${percentStep}`);
  if (!(intervalMs > 0)) throw new RangeError(`progressBar: intervalMs must be > 0, got ${intervalMs}`);
  const live = options.tty ?? isLiveTerminal(stream);

  let first: { iteration: number; time: number } | undefined;
  let smoothedRate: number | undefined;
  let last: { iteration: number; loss: number } | undefined;
  let stopped = false;

  const rates = (iteration: number, given: number | undefined): { shown: number | undefined; eta: number | undefined } => {
    const t = now();
    if (first === undefined) first = { iteration, time: t };
    if (given !== undefined && Number.isFinite(given) && given > 0) smoothedRate = smoothedRate === undefined ? given : 0.9 * smoothedRate + 0.1 * given;
    const elapsed = (t - first.time) / 1000;
    const measured = elapsed > 0 && iteration > first.iteration ? (iteration - first.iteration) / elapsed : undefined;
    const shown = smoothedRate ?? measured;
    const etaRate = measured ?? shown;
    return { shown, eta: etaRate === undefined ? undefined : Math.max(0, total - iteration) / etaRate };
  };
  const restartRate = (): void => {
    first = undefined;
    smoothedRate = undefined;
  };

  if (live) {
    const bar = new cliProgress.SingleBar({
      stream: stream as NodeJS.WritableStream,
      format: '{label} [{bar}] {value}/{total} | loss {loss} | {rate} it/s | ETA {eta_text}',
      barsize: 30,
      fps: 5,
      hideCursor: false,
      clearOnComplete: false,
      stopOnComplete: false,
      linewrap: false,
    });
    let started = false;
    return {
      update(iteration, fields) {
        if (stopped) return;
        const { shown, eta } = rates(iteration, fields.itPerSec);
        const payload = { label, loss: formatLoss(fields.loss), rate: formatRate(shown), eta_text: formatDuration(eta) };
        last = { iteration, loss: fields.loss };
        if (!started) {
          bar.start(total, iteration, payload);
          started = true;
        } else bar.update(Math.min(iteration, total), payload);
      },
      restartRate,
      stop() {
        if (stopped) return;
        stopped = true;
        if (started) bar.stop();
      },
    };
  }

  let printed: { iteration: number; time: number; bucket: number } | undefined;
  let lastRates: { shown: number | undefined; eta: number | undefined } = { shown: undefined, eta: undefined };
  const line = (iteration: number, loss: number, shown: number | undefined, eta: number | undefined): void => {
    const percent = Math.floor((100 * iteration) / total);
    stream.write(`${label} ${iteration}/${total} (${percent}%) loss ${formatLoss(loss)} ${formatRate(shown)} it/s ETA ${formatDuration(eta)}\n`);
    printed = { iteration, time: now(), bucket: Math.floor((100 * iteration) / total / percentStep) };
  };
  return {
    update(iteration, fields) {
      if (stopped) return;
      lastRates = rates(iteration, fields.itPerSec);
      last = { iteration, loss: fields.loss };
      const bucket = Math.floor((100 * iteration) / total / percentStep);
      if (printed === undefined || bucket > printed.bucket || now() - printed.time >= intervalMs || (iteration >= total && printed.iteration < total))
        line(iteration, fields.loss, lastRates.shown, lastRates.eta);
    },
    restartRate,
    stop() {
      if (stopped) return;
      stopped = true;
      if (last !== undefined && printed?.iteration !== last.iteration) line(last.iteration, last.loss, lastRates.shown, lastRates.eta);
    },
  };
}
